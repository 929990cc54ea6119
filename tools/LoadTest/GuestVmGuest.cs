using Apmatrix.ApModel;

namespace Apmatrix.LoadTest;

/// <summary>One guest as GuestVm shows it: the APCB it holds, its version, updates applied and vCPU-suspended time.</summary>
public sealed record GuestVmGuest(ApMatrix Apcb, long Version, long Updates, double SuspendedMilliseconds);
