using Apmatrix.ApModel;

namespace Apmatrix.Engine.Tests.Support;

public static class SpecRules
{
    /// <summary>Spec 3.1: S = A ∩ H, then every adapter with a queue in S.aqm that is not bound leaves S.apm.</summary>
    public static (Bitmap256 Apm, Bitmap256 Aqm) FilterMatrix(ApMatrix assigned, ApConfig host, Func<Apqn, bool> bound)
    {
        var apm = assigned.Apm & host.Apm;
        var aqm = assigned.Aqm & host.Aqm;
        var kept = apm;
        foreach (var a in apm)
            foreach (var d in aqm)
                if (!bound(new Apqn(a, d)))
                {
                    kept = kept.Without(a);
                    break;
                }
        return (kept, aqm);
    }

    public static bool AnyReserved(Bitmap256 adapters, Bitmap256 domains, ApPermissions masks) =>
        !(adapters & masks.Apmask).IsEmpty && !(domains & masks.Aqmask).IsEmpty;

    public static bool CrossProductsMeet(ApMatrix x, ApMatrix y) => x.Apm.Intersects(y.Apm) && x.Aqm.Intersects(y.Aqm);

    public static bool IsSubset(ApMatrix inner, ApMatrix outer) =>
        inner.Apm.IsSubsetOf(outer.Apm) && inner.Aqm.IsSubsetOf(outer.Aqm) && inner.Adm.IsSubsetOf(outer.Adm);

    public static ApMatrix Minus(ApMatrix x, ApMatrix y) => new(x.Apm.AndNot(y.Apm), x.Aqm.AndNot(y.Aqm), x.Adm.AndNot(y.Adm));
    public static ApMatrix Intersect(ApMatrix x, ApMatrix y) => new(x.Apm & y.Apm, x.Aqm & y.Aqm, x.Adm & y.Adm);
    public static ApMatrix MasksOf(ApConfig config) => new(config.Apm, config.Aqm, config.Adm);
}
