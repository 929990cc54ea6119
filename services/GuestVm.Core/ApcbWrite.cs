using Apmatrix.ApModel;

namespace Apmatrix.GuestVm.Core;

/// <summary>What one APCB write did: the masks the CRYCB now holds, its image, and how long the vCPUs were held out of SIE.</summary>
public readonly record struct ApcbWrite(ApMatrix Masks, byte[] Crycb, TimeSpan Suspended);
