using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>A host whose row this transaction has locked, with its engine restored from the stored state or left by its last commit.</summary>
public sealed class LockedHost
{
    readonly Dictionary<string, (MdevRow Row, MdevState Stored)> _mdevs;
    readonly Dictionary<string, (GuestRow Row, GuestState Stored)> _guests;
    readonly IReadOnlyList<MaskReservationRow> _reservations;

    /// <summary>
    /// The host's <paramref name="stored"/> rows, which it never changes: what changed is written set-based, from copies.
    /// <paramref name="engine"/>, when given, already holds exactly that state and the row's; else one is restored.
    /// </summary>
    public LockedHost(HostRow row, StoredHost stored, VfioApEngine? engine = null)
    {
        Row = row;
        _mdevs = stored.Mdevs.ToDictionary(m => m.Row.Name, m => (m.Row, m.State), StringComparer.Ordinal);
        _guests = stored.Guests.ToDictionary(g => g.Row.Name, g => (g.Row, g.State), StringComparer.Ordinal);
        _reservations = stored.Reservations;
        Engine = engine ?? VfioApEngine.Restore(new EngineState(row.Mode, row.Config, row.Permissions, row.ReadBoundQueues(),
            [.. stored.Mdevs.Select(m => m.State)], [.. stored.Guests.Select(g => g.State)], [.. stored.Reservations.Select(r => r.ToReservation())]));
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
        var (createdMdevs, changedMdevs, keptMdevs) = (new List<MdevRow>(), new List<MdevRow>(), new List<StoredRow<MdevRow, MdevState>>());
        var nextPosition = _mdevs.Count == 0 ? 0 : _mdevs.Values.Max(m => m.Row.Position) + 1;
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mdev in state.Mdevs)
        {
            kept.Add(mdev.Name);
            MdevRow row;
            if (_mdevs.TryGetValue(mdev.Name, out var known))
            {
                row = known.Row;
                if (known.Stored != mdev)
                {
                    row = row.Copy();
                    row.Store(mdev);
                    changedMdevs.Add(row);
                }
            }
            else
            {
                row = new MdevRow { HostId = Row.HostId, Name = mdev.Name, Position = nextPosition++ };
                row.Store(mdev);
                createdMdevs.Add(row);
            }
            keptMdevs.Add(new(row, mdev));
        }
        var removedMdevs = _mdevs.Values.Where(m => !kept.Contains(m.Row.Name)).Select(m => m.Row).ToList();
        var (createdGuests, changedGuests, keptGuests) = (new List<GuestRow>(), new List<GuestRow>(), new List<StoredRow<GuestRow, GuestState>>());
        foreach (var guest in state.Guests)
        {
            GuestRow row;
            if (_guests.TryGetValue(guest.Name, out var known))
            {
                row = known.Row;
                if (known.Stored != guest)
                {
                    row = row.Copy();
                    row.Store(guest);
                    changedGuests.Add(row);
                }
            }
            else
            {
                row = new GuestRow { HostId = Row.HostId, Name = guest.Name };
                row.Store(guest);
                createdGuests.Add(row);
            }
            keptGuests.Add(new(row, guest));
        }
        var held = state.MaskReservations.Select(r => r.Id).ToHashSet();
        var stored = _reservations.Select(r => r.Id).ToHashSet();
        var createdReservations = state.MaskReservations.Where(r => !stored.Contains(r.Id)).Select(r => MaskReservationRow.From(Row.HostId, r)).ToList();
        var endedReservations = _reservations.Where(r => !held.Contains(r.Id)).ToList();
        var written = new StoredHost(
            [.. keptMdevs.OrderBy(m => m.Row.Position)],
            keptGuests,
            [.. MaskReservationRow.InStoredOrder(_reservations.Where(r => held.Contains(r.Id)).Concat(createdReservations))]);
        return new HostChanges(Row.HostId, createdMdevs, changedMdevs, removedMdevs, createdGuests, changedGuests, createdReservations,
            endedReservations, Engine.DrainUpdates(), written);
    }
}

/// <summary>A stored row and the engine's state it holds.</summary>
public readonly record struct StoredRow<TRow, TState>(TRow Row, TState State);

/// <summary>
/// A host's mdevs (in creation order), guests and mask reservations as stored, each row with its state. Nothing changes
/// these rows once written: a change writes copies, so one copy of them serves every change after it.
/// </summary>
public sealed record StoredHost(
    IReadOnlyList<StoredRow<MdevRow, MdevState>> Mdevs,
    IReadOnlyList<StoredRow<GuestRow, GuestState>> Guests,
    IReadOnlyList<MaskReservationRow> Reservations)
{
    /// <summary>The rows as the database returned them.</summary>
    public static StoredHost Read(IReadOnlyList<MdevRow> mdevs, IReadOnlyList<GuestRow> guests, IReadOnlyList<MaskReservationRow> reservations) =>
        new([.. mdevs.Select(m => new StoredRow<MdevRow, MdevState>(m, m.ToState()))],
            [.. guests.Select(g => new StoredRow<GuestRow, GuestState>(g, g.ToState()))], reservations);

    /// <summary>The number of rows: what the host costs in <see cref="HostStateCache"/>.</summary>
    public int Rows => Mdevs.Count + Guests.Count + Reservations.Count;
}
