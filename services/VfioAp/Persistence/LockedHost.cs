using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>A host whose row this transaction has locked, with its engine restored from the stored state.</summary>
public sealed class LockedHost
{
    readonly Dictionary<string, MdevRow> _mdevs;
    readonly Dictionary<string, GuestRow> _guests;

    internal LockedHost(HostRow row, IReadOnlyList<MdevRow> mdevs, IReadOnlyList<GuestRow> guests)
    {
        Row = row;
        _mdevs = mdevs.ToDictionary(m => m.Name, StringComparer.Ordinal);
        _guests = guests.ToDictionary(g => g.Name, StringComparer.Ordinal);
        Engine = VfioApEngine.Restore(new EngineState(row.Mode, row.Config, row.Permissions, row.ReadBoundQueues(),
            mdevs.Select(m => m.ToState()).ToList(), guests.Select(g => g.ToRecord()).ToList()));
    }

    public HostRow Row { get; }
    public VfioApEngine Engine { get; }

    /// <summary>Copies the engine's state into the tracked rows (so only what changed is written) and hands over its guest updates.</summary>
    internal GuestApcbUpdate[] WriteBack(VfioApDbContext db)
    {
        var state = Engine.Capture();
        Row.Store(state);
        var nextPosition = _mdevs.Count == 0 ? 0 : _mdevs.Values.Max(m => m.Position) + 1;
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mdev in state.Mdevs)
        {
            if (!_mdevs.TryGetValue(mdev.Name, out var row))
            {
                row = new MdevRow { HostId = Row.HostId, Name = mdev.Name, Position = nextPosition++ };
                db.Mdevs.Add(row);
                _mdevs.Add(mdev.Name, row);
            }
            row.Store(mdev);
            kept.Add(mdev.Name);
        }
        foreach (var removed in _mdevs.Values.Where(m => !kept.Contains(m.Name)).ToList())
        {
            db.Mdevs.Remove(removed);
            _mdevs.Remove(removed.Name);
        }
        foreach (var guest in state.Guests)
        {
            if (!_guests.TryGetValue(guest.Name, out var row))
            {
                row = new GuestRow { HostId = Row.HostId, Name = guest.Name };
                db.Guests.Add(row);
                _guests.Add(guest.Name, row);
            }
            row.Store(guest);
        }
        return Engine.DrainUpdates();
    }
}
