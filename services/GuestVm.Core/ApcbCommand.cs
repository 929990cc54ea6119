using Apmatrix.ApModel;

namespace Apmatrix.GuestVm.Core;

/// <summary>One version of a guest's APCB as VfioAp sent it: the full target masks and the mdev they come from.</summary>
public sealed record ApcbCommand(long Version, ApMatrix Masks, string? Mdev);
