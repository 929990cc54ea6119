using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>
/// What one host's engine changed, row by row, for <see cref="HostStore"/> to write: mdev and guest rows to insert,
/// to update (already holding their new values) and to delete, mask reservations to insert and to delete, the
/// guest updates the engine asked for, and all of the host's rows as they stand once written (for <see cref="HostStateCache"/>).
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
    IReadOnlyList<GuestApcbUpdate> Updates,
    StoredHost Stored);
