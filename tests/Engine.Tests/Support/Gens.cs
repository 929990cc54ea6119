using Apmatrix.ApModel;
using FsCheck;
using FsCheck.Fluent;

namespace Apmatrix.Engine.Tests.Support;

public static class Gens
{
    static Gen<ulong> Word =>
        from a in Gen.Choose(0, 0xFFFF)
        from b in Gen.Choose(0, 0xFFFF)
        from c in Gen.Choose(0, 0xFFFF)
        from d in Gen.Choose(0, 0xFFFF)
        select (ulong)(uint)a << 48 | (ulong)(uint)b << 32 | (ulong)(uint)c << 16 | (uint)d;

    public static Gen<int> Id => Gen.Choose(0, Bitmap256.Capacity - 1);

    public static Gen<List<int>> IdList => Id.ListOf().Select(ids => ids.ToList());

    public static Gen<Bitmap256> Bitmap => Gen.Frequency(
        (3, IdList.Select(FromIds)),
        (3, from w0 in Word from w1 in Word from w2 in Word from w3 in Word select new Bitmap256(w0, w1, w2, w3)),
        (2, from a in Id from b in Id select Bitmap256.Range(Math.Min(a, b), Math.Max(a, b))),
        (1, Gen.Elements(Bitmap256.Empty, Bitmap256.All, Bitmap256.Single(0), Bitmap256.Single(63),
            Bitmap256.Single(64), Bitmap256.Single(255), Bitmap256.Range(63, 64))));

    public static Arbitrary<Bitmap256> BitmapArb => Bitmap.ToArbitrary();

    /// <summary>A seed for a property's own random history: FsCheck's plain ints stay within its size (about a hundred values).</summary>
    public static Arbitrary<int> Seed => Gen.Choose(0, int.MaxValue).ToArbitrary();

    public static Bitmap256 FromIds(IEnumerable<int> ids)
    {
        var set = Bitmap256.Empty;
        foreach (var id in ids) set = set.With(id);
        return set;
    }
}
