using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>
/// What one host's engine changed, row by row, for <see cref="HostStore"/> to write: mdev and guest rows to insert,
/// to update (already holding their new values) and to delete, mask reservations to insert and to delete, and the
/// guest updates the engine asked for.
/// </summary>
public sealed record HostChanges(
    string HostId,
    IReadOnlyList<MdevRow> CreatedMdevs,
    IReadOnlyList<MdevRow> ChangedMdevs,
    IReadOnlyList<MdevRow> RemovedMdevs,
    IReadOnlyList<GuestRow> CreatedGuests,
    IReadOnlyList<GuestRow> ChangedGuests,
    IReadOnlyList<MaskReservationRow> CreatedReservations,
    IReadOnlyList<MaskReservationRow> EndedReservations,
    IReadOnlyList<GuestApcbUpdate> Updates);
