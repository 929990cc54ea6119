namespace Apmatrix.ApModel;

/// <summary>
/// The AP bus's apmask/aqmask: a queue is reserved for the host's default (zcrypt) drivers when
/// its adapter is in <see cref="Apmask"/> and its domain in <see cref="Aqmask"/>.
/// </summary>
public readonly record struct ApPermissions(Bitmap256 Apmask, Bitmap256 Aqmask)
{
    /// <summary>Nothing reserved: every queue may go to vfio_ap.</summary>
    public static ApPermissions None => default;

    public bool IsReserved(Apqn apqn) => Apmask[apqn.Adapter] && Aqmask[apqn.Domain];

    /// <summary>The domains of <paramref name="adapter"/> whose queues belong to the default drivers.</summary>
    public Bitmap256 ReservedDomains(int adapter) => Apmask[adapter] ? Aqmask : Bitmap256.Empty;

    /// <summary>The first APQN of <paramref name="adapters"/> x <paramref name="domains"/> that is reserved, if any.</summary>
    public Apqn? FirstReserved(Bitmap256 adapters, Bitmap256 domains)
    {
        var a = (adapters & Apmask).First();
        var d = (domains & Aqmask).First();
        return a < 0 || d < 0 ? null : new Apqn(a, d);
    }
}
