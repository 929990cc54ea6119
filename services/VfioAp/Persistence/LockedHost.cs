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
    public bool ScanCaused(int index)
    {
        foreach (var range in _scanUpdates)
            if (index >= range.Start.Value && index < range.End.Value) return true;
        return false;
    }

    /// <summary>The APCB the guest held before this transaction (none for a guest it created).</summary>
    public ApMatrix StoredApcb(string guest) => _guests.TryGetValue(guest, out var known) ? known.Stored.Apcb : ApMatrix.Empty;

    /// <summary>
    /// Copies the engine's state into the host row and says which mdev and guest rows are new, changed (written as
    /// copies) or gone, which mask reservations are new or ended, and what the host holds once this commits; drains the
    /// engine's guest updates. Once per host: a retry builds a new one.
    /// </summary>
    public HostChanges WriteBack()
    {
        var state = Engine.Capture();
        Row.Store(state);
        var (createdMdevs, changedMdevs) = (new List<MdevRow>(), new List<MdevRow>());
        var nextPosition = _mdevs.Count == 0 ? 0 : _mdevs.Values.Max(m => m.Row.Position) + 1;
        var keptMdevs = state.Mdevs.Select(mdev => new StoredRow<MdevRow, MdevState>(Written(_mdevs, mdev.Name, mdev,
            () => new MdevRow { HostId = Row.HostId, Name = mdev.Name, Position = nextPosition++ }, createdMdevs, changedMdevs), mdev)).ToList();
        var kept = keptMdevs.Select(m => m.Row.Name).ToHashSet(StringComparer.Ordinal);
        var removedMdevs = _mdevs.Values.Where(m => !kept.Contains(m.Row.Name)).Select(m => m.Row).ToList();
        var (createdGuests, changedGuests) = (new List<GuestRow>(), new List<GuestRow>());
        var keptGuests = state.Guests.Select(guest => new StoredRow<GuestRow, GuestState>(Written(_guests, guest.Name, guest,
            () => new GuestRow { HostId = Row.HostId, Name = guest.Name }, createdGuests, changedGuests), guest)).ToList();
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

    /// <summary>The row that holds <paramref name="state"/>: the stored one when unchanged, else a changed copy or a new row, noted as such.</summary>
    static TRow Written<TRow, TState>(Dictionary<string, (TRow Row, TState Stored)> stored, string name, TState state, Func<TRow> create,
        List<TRow> created, List<TRow> changed) where TRow : class, IStateRow<TRow, TState> where TState : IEquatable<TState>
    {
        if (stored.TryGetValue(name, out var known) && known.Stored.Equals(state)) return known.Row;
        var row = known.Row is { } old ? old.Copy() : create();
        row.Store(state);
        (known.Row is null ? created : changed).Add(row);
        return row;
    }
}

/// <summary>A row that stores one of the engine's states, and copies itself for a change.</summary>
public interface IStateRow<TRow, TState>
{
    TRow Copy();
    void Store(TState state);
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
