using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>A host whose row this transaction has locked, with its engine restored from the stored state.</summary>
public sealed class LockedHost
{
    readonly Dictionary<string, (MdevRow Row, MdevState Stored)> _mdevs;
    readonly Dictionary<string, (GuestRow Row, GuestState Stored)> _guests;
    readonly IReadOnlyList<MaskReservationRow> _reservations;

    /// <summary>
    /// <paramref name="mdevs"/> (in creation order), <paramref name="guests"/> and <paramref name="reservations"/> untracked and
    /// this host's own: what changed is written set-based, and the changed rows are updated in place.
    /// </summary>
    public LockedHost(HostRow row, IReadOnlyList<MdevRow> mdevs, IReadOnlyList<GuestRow> guests, IReadOnlyList<MaskReservationRow> reservations)
    {
        Row = row;
        var mdevStates = mdevs.Select(m => m.ToState()).ToList();
        var guestStates = guests.Select(g => g.ToState()).ToList();
        _mdevs = mdevs.Zip(mdevStates).ToDictionary(m => m.First.Name, m => (m.First, m.Second), StringComparer.Ordinal);
        _guests = guests.Zip(guestStates).ToDictionary(g => g.First.Name, g => (g.First, g.Second), StringComparer.Ordinal);
        _reservations = reservations;
        Engine = VfioApEngine.Restore(new EngineState(row.Mode, row.Config, row.Permissions, row.ReadBoundQueues(), mdevStates, guestStates,
            reservations.Select(r => r.ToReservation()).ToList()));
    }

    public HostRow Row { get; }
    public VfioApEngine Engine { get; }

    readonly List<Range> _scanUpdates = [];

    /// <summary>The engine's pending updates from <paramref name="from"/> to <paramref name="to"/> are what a scan complete caused.</summary>
    public void MarkScanUpdates(int from, int to)
    {
        if (to > from) _scanUpdates.Add(from..to);
    }

    /// <summary>Whether the drained update at <paramref name="index"/> was caused by a scan complete.</summary>
    public bool ScanCaused(int index) => _scanUpdates.Exists(r => index >= r.Start.Value && index < r.End.Value);

    /// <summary>The APCB the guest held before this transaction (none for a guest it created).</summary>
    public ApMatrix StoredApcb(string guest) => _guests.TryGetValue(guest, out var known) ? known.Stored.Apcb : ApMatrix.Empty;

    /// <summary>
    /// Copies the engine's state into the host row and says which mdev and guest rows are new, changed (updated in
    /// place) or gone, which mask reservations are new or ended, and what the host holds once this commits; drains the
    /// engine's guest updates. Once per host: a retry builds a new one.
    /// </summary>
    public HostChanges WriteBack()
    {
        var state = Engine.Capture();
        Row.Store(state);
        var (createdMdevs, changedMdevs) = (new List<MdevRow>(), new List<MdevRow>());
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
                createdMdevs.Add(created);
            }
        }
        var removedMdevs = _mdevs.Values.Where(m => !kept.Contains(m.Row.Name)).Select(m => m.Row).ToList();
        var (createdGuests, changedGuests) = (new List<GuestRow>(), new List<GuestRow>());
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
                createdGuests.Add(created);
            }
        }
        var held = state.MaskReservations.Select(r => r.Id).ToHashSet();
        var stored = _reservations.Select(r => r.Id).ToHashSet();
        var createdReservations = state.MaskReservations.Where(r => !stored.Contains(r.Id)).Select(r => MaskReservationRow.From(Row.HostId, r)).ToList();
        var endedReservations = _reservations.Where(r => !held.Contains(r.Id)).ToList();
        // The rows themselves: nothing changes them once written, and StoredHost.Lock copies them for the next change.
        var written = new StoredHost(
            [.. _mdevs.Values.Select(m => m.Row).Where(m => kept.Contains(m.Name)).Concat(createdMdevs).OrderBy(m => m.Position)],
            [.. _guests.Values.Select(g => g.Row).Concat(createdGuests)],
            [.. MaskReservationRow.InStoredOrder(_reservations.Where(r => held.Contains(r.Id)).Concat(createdReservations))]);
        return new HostChanges(Row.HostId, createdMdevs, changedMdevs, removedMdevs, createdGuests, changedGuests, createdReservations,
            endedReservations, Engine.DrainUpdates(), written);
    }
}

/// <summary>A host's mdevs (in creation order), guests and mask reservations as stored; <see cref="Lock"/> copies the rows a <see cref="LockedHost"/> may change.</summary>
public sealed record StoredHost(IReadOnlyList<MdevRow> Mdevs, IReadOnlyList<GuestRow> Guests, IReadOnlyList<MaskReservationRow> Reservations)
{
    /// <summary>The number of rows: what the host costs in <see cref="HostStateCache"/>.</summary>
    public int Rows => Mdevs.Count + Guests.Count + Reservations.Count;

    public LockedHost Lock(HostRow row) => new(row, [.. Mdevs.Select(m => m.Copy())], [.. Guests.Select(g => g.Copy())], Reservations);
}
