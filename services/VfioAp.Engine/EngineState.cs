using Apmatrix.ApModel;

namespace Apmatrix.Engine;

/// <summary>Everything the engine knows about one host, for storing between requests; mask reservations oldest first.</summary>
public sealed record EngineState(
    HotPlugMode Mode,
    ApConfig Host,
    ApPermissions Permissions,
    IReadOnlyList<Bitmap256> BoundQueues,
    IReadOnlyList<MdevState> Mdevs,
    IReadOnlyList<GuestState> Guests,
    IReadOnlyList<MaskReservation> MaskReservations)
{
    /// <summary>The same knowledge, row for row (the record's own equality compares the lists by reference).</summary>
    public bool SameAs(EngineState other) =>
        Mode == other.Mode && Host == other.Host && Permissions == other.Permissions &&
        BoundQueues.SequenceEqual(other.BoundQueues) && Mdevs.SequenceEqual(other.Mdevs) && Guests.SequenceEqual(other.Guests) &&
        MaskReservations.SequenceEqual(other.MaskReservations);
}

public sealed partial class VfioApEngine
{
    public EngineState Capture() => new(
        Mode, Host, Permissions, _bound.ToArray(),
        Mdevs.Select(m => new MdevState(m.Name, m.MaxAdapter, m.MaxDomain, m.Assigned, m.Shadow, m.Added, m.Guest)).ToList(),
        _guests.Values.Select(g => new GuestState(g.Name, g.Apcb, g.Version)).ToList(),
        _reservations.ToList());

    /// <summary>Rebuilds an engine from a captured state; mdevs keep their order, guests their versions.</summary>
    public static VfioApEngine Restore(EngineState state)
    {
        if (state.BoundQueues.Count != Bitmap256.Capacity)
            throw new ArgumentException("one bound-queue row per adapter id is needed", nameof(state));
        var engine = new VfioApEngine(state.Host, state.Permissions, state.Mode);
        for (var a = 0; a < Bitmap256.Capacity; a++) engine._bound[a] = state.BoundQueues[a];
        engine._reservations.AddRange(state.MaskReservations);
        foreach (var guest in state.Guests)
            engine._guests.Add(guest.Name, new Guest(guest.Name) { Apcb = guest.Apcb, Version = guest.Version });
        foreach (var saved in state.Mdevs)
        {
            var mdev = new Mdev(saved.Name, engine._slots.Count, saved.MaxAdapter, saved.MaxDomain)
            {
                Assigned = saved.Assigned, Shadow = saved.Shadow, Added = saved.Added, Guest = saved.Guest,
            };
            engine._slots.Add(mdev);
            engine._mdevs.Add(mdev.Name, mdev);
            engine.SetOwner(mdev.Assigned.Apm, mdev.Assigned.Aqm, (ushort)(mdev.Slot + 1));
            if (mdev.Guest is { } guest)
            {
                if (!engine._guests.TryGetValue(guest, out var record)) engine._guests.Add(guest, record = new Guest(guest));
                record.Mdev = mdev.Name;
            }
        }
        return engine;
    }
}
