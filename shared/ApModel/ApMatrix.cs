namespace Apmatrix.ApModel;

/// <summary>
/// Adapter, usage-domain and control-domain masks together: an mdev's assigned matrix, its shadow
/// APCB, its pending additions, or the APCB a guest holds.
/// </summary>
public readonly record struct ApMatrix(Bitmap256 Apm, Bitmap256 Aqm, Bitmap256 Adm)
{
    public static ApMatrix Empty => default;

    public bool IsEmpty => Apm.IsEmpty && Aqm.IsEmpty && Adm.IsEmpty;

    /// <summary>What an APCB of <paramref name="format"/> can hold: APCB0 drops ids above 63 and 15.</summary>
    public ApMatrix Truncate(ApcbFormat format) => format == ApcbFormat.Apcb1
        ? this
        : new(Apm & Bitmap256.UpTo(63), Aqm & Bitmap256.UpTo(15), Adm & Bitmap256.UpTo(15));

    /// <summary>The CRYCB image: APCB0 is 32 bytes (8 APM, 8 AQM of which 2 used, 8 ADM of which 2 used, 8 reserved); APCB1 is 128.</summary>
    public byte[] ToImage(ApcbFormat format)
    {
        Span<byte> mask = stackalloc byte[32];
        if (format == ApcbFormat.Apcb1)
        {
            var image = new byte[128];
            Apm.WriteBigEndian(image);
            Aqm.WriteBigEndian(image.AsSpan(32));
            Adm.WriteBigEndian(image.AsSpan(64));
            return image;
        }
        var apcb0 = new byte[32];
        Apm.WriteBigEndian(mask);
        mask[..8].CopyTo(apcb0);
        Aqm.WriteBigEndian(mask);
        mask[..2].CopyTo(apcb0.AsSpan(8));
        Adm.WriteBigEndian(mask);
        mask[..2].CopyTo(apcb0.AsSpan(16));
        return apcb0;
    }

    public override string ToString() => $"apm {Apm.ToRangeList()}; aqm {Aqm.ToRangeList()}; adm {Adm.ToRangeList()}";
}
