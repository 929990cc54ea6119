namespace Apmatrix.ApModel;

/// <summary>CRYCB layout a guest uses: APCB0 (64 adapters, 16 domains) or APCB1 (256 x 256).</summary>
public enum ApcbFormat { Apcb0, Apcb1 }
