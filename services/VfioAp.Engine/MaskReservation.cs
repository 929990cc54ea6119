using Apmatrix.ApModel;

namespace Apmatrix.Engine;

/// <summary>
/// apmask/aqmask the bus was allowed to change to and vfio_ap has not applied yet: the mask-change check held until the
/// change is applied or known not to be made, as the kernel holds <c>ap_perms_mutex</c> across both (spec 1.4, 1.9).
/// <paramref name="AfterSequence"/> is the bus's last sequence when it asked: the change, if made, is the very next event.
/// </summary>
public sealed record MaskReservation(Guid Id, long AfterSequence, ApPermissions Masks, DateTime ReservedAt);
