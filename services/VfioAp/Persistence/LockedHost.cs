using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>A host whose row this transaction has locked, with its engine restored from the stored state.</summary>
public sealed class LockedHost
{
    readonly Dictionary<string, (MdevRow Row, MdevState Stored)> _mdevs;
    readonly Dictionary<string, (GuestRow Row, GuestState Stored)> _guests;

    /// <summary><paramref name="mdevs"/> and <paramref name="guests"/> untracked: what changed is written set-based.</summary>
    internal LockedHost(HostRow row, IReadOnlyList<MdevRow> mdevs, IReadOnlyList<GuestRow> guests)
    {
        Row = row;
        var mdevStates = mdevs.Select(m => m.ToState()).ToList();
        var guestRecords = guests.Select(g => g.ToState()).ToList();
        _mdevs = mdevs.Zip(mdevStates).ToDictionary(m => m.First.Name, m => (m.First, m.Second), StringComparer.Ordinal);
        _guests = guests.Zip(guestRecords).ToDictionary(g => g.First.Name, g => (g.First, g.Second), StringComparer.Ordinal);
        Engine = VfioApEngine.Restore(new EngineState(row.Mode, row.Config, row.Permissions, row.ReadBoundQueues(), mdevStates, guestRecords));
    }

    public HostRow Row { get; }
    public VfioApEngine Engine { get; }

    /// <summary>
    /// Copies the engine's state back (once: a retry builds a new host): the host row (tracked), new and removed mdevs and guests through the context,
    /// and the existing ones that changed into <paramref name="changedMdevs"/> and <paramref name="changedGuests"/>;
    /// hands over the engine's guest updates.
    /// </summary>
    internal GuestApcbUpdate[] WriteBack(VfioApDbContext db, List<MdevRow> changedMdevs, List<GuestRow> changedGuests)
    {
        var state = Engine.Capture();
        Row.Store(state);
        var nextPosition = _mdevs.Count == 0 ? 0 : _mdevs.Values.Max(m => m.Row.Position) + 1;
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mdev in state.Mdevs)
        {
            kept.Add(mdev.Name);
            if (_mdevs.TryGetValue(mdev.Name, out var known))
            {
                if (known.Stored == mdev) continue;
                known.Row.Store(mdev);
                changedMdevs.Add(known.Row);
            }
            else
            {
                var created = new MdevRow { HostId = Row.HostId, Name = mdev.Name, Position = nextPosition++ };
                created.Store(mdev);
                db.Mdevs.Add(created);
            }
        }
        foreach (var removed in _mdevs.Values.Where(m => !kept.Contains(m.Row.Name)))
            db.Mdevs.Remove(removed.Row);
        foreach (var guest in state.Guests)
        {
            if (_guests.TryGetValue(guest.Name, out var known))
            {
                if (known.Stored == guest) continue;
                known.Row.Store(guest);
                changedGuests.Add(known.Row);
            }
            else
            {
                var created = new GuestRow { HostId = Row.HostId, Name = guest.Name };
                created.Store(guest);
                db.Guests.Add(created);
            }
        }
        return Engine.DrainUpdates();
    }
}
