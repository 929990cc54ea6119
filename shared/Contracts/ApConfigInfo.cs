using Apmatrix.ApModel;

namespace Apmatrix.Contracts;

/// <summary>A host AP configuration on the wire: masks in the sysfs hex form (<c>0x</c> + 64 digits, leftmost bit = id 0).</summary>
public sealed record ApConfigInfo(string Apm, string Aqm, string Adm, int MaxAdapter, int MaxDomain)
{
    public static ApConfigInfo From(in ApConfig config) =>
        new(config.Apm.ToMsb0Hex(), config.Aqm.ToMsb0Hex(), config.Adm.ToMsb0Hex(), config.MaxAdapter, config.MaxDomain);

    public ApConfig ToApConfig() => new(Bitmap256.ParseMsb0Hex(Apm), Bitmap256.ParseMsb0Hex(Aqm), Bitmap256.ParseMsb0Hex(Adm), MaxAdapter, MaxDomain);
}
