using Apmatrix.ApModel;

namespace Apmatrix.Engine;

/// <summary>
/// The mask-change veto and the reservations that stand for the kernel's <c>ap_perms_mutex</c> (spec 1.4, 1.9): the bus
/// commits a change vfio_ap allowed only later, so until vfio_ap applies it, assignments are judged against its masks too.
/// </summary>
public sealed partial class VfioApEngine
{
    readonly List<MaskReservation> _reservations = [];

    /// <summary>Mask changes allowed and not yet applied, oldest first; an APQN any of them reserves is not assignable.</summary>
    public IReadOnlyList<MaskReservation> MaskReservations => _reservations;

    /// <summary>vfio_ap's veto on apmask/aqmask: no APQN an mdev holds may become reserved for the host.</summary>
    public void EnsurePermissionsAllowed(in ApPermissions next)
    {
        foreach (var mdev in Mdevs)
            if (next.FirstReserved(mdev.Assigned.Apm, mdev.Assigned.Aqm) is { } apqn)
                throw new MatrixException(MatrixErrorKind.Busy,
                    $"cannot reserve queue {apqn} for the host's default drivers: in use by mdev {mdev.Name}")
                {
                    Apqn = apqn.ToString(), Mdev = mdev.Name,
                };
    }

    /// <summary>
    /// The veto, and when it allows, the reservation that holds off assignments until the change is applied or known
    /// not to be made. A check made before an event already <paramref name="applied"/> is stale (a late request of a bus
    /// that moved on without that change): answered, but nothing is held. Repeating a reservation holds it once.
    /// </summary>
    public void ReserveMasks(MaskReservation reservation, long applied)
    {
        EnsurePermissionsAllowed(reservation.Masks);
        if (reservation.AfterSequence < applied || _reservations.Exists(r => r.Id == reservation.Id)) return;
        _reservations.Add(reservation);
    }

    /// <summary>The bus did not make the change it reserved for; false when no such reservation is held.</summary>
    public bool ReleaseMasks(Guid reservation) => _reservations.RemoveAll(r => r.Id == reservation) > 0;

    /// <summary>
    /// Bus events up to <paramref name="applied"/> are applied: a reservation made before one of them is over, because that
    /// event is either the change it held (now the masks) or one the bus committed after dropping the change.
    /// </summary>
    public void OnBusEventsApplied(long applied) => _reservations.RemoveAll(r => r.AfterSequence < applied);

    /// <summary>The bus lost the history its reservations were made in (its store restored from a backup): none of their changes will come.</summary>
    public void DropMaskReservations() => _reservations.Clear();

    /// <summary>
    /// Ends the reservations older than <paramref name="lease"/> whose change the bus never made: its last sequence
    /// (<paramref name="busSequence"/>, read after any change in progress; null when the bus has no such host) has not
    /// moved past the one the check was made at. A bus that moved on may have made the change, so those reservations
    /// wait for its events (or a reconcile) to end them. Returns how many ended.
    /// </summary>
    public int ExpireMaskReservations(DateTime now, TimeSpan lease, long? busSequence) =>
        _reservations.RemoveAll(r => now - r.ReservedAt >= lease && (busSequence is not { } bus || bus <= r.AfterSequence));
}
