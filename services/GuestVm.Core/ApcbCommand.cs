using Apmatrix.ApModel;

namespace Apmatrix.GuestVm.Core;

/// <summary>
/// One version of a guest's APCB as VfioAp sent it: the full target masks and the mdev they come from;
/// <paramref name="ParkedAt"/>, when it first arrived after a gap and was parked (null for one arriving now).
/// </summary>
public sealed record ApcbCommand(long Version, ApMatrix Masks, string? Mdev, DateTime? ParkedAt = null);
