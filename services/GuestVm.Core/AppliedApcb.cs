using Apmatrix.ApModel;

namespace Apmatrix.GuestVm.Core;

/// <summary>One version a guest applied: the masks its CRYCB got (truncated to the format) and how long its vCPUs were suspended.</summary>
public sealed record AppliedApcb(long Version, ApMatrix Masks, string? Mdev, double SuspendedMilliseconds);
