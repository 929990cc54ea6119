using Apmatrix.ApModel;

namespace Apmatrix.VfioAp.Http;

/// <summary>A matrix (an mdev's assignments, shadow APCB or pending adds, or a guest's APCB), id sets as range lists (<c>4-5,9</c>).</summary>
public sealed record MatrixView(string Apm, string Aqm, string Adm)
{
    public static MatrixView From(ApMatrix masks) => new(masks.Apm.ToRangeList(), masks.Aqm.ToRangeList(), masks.Adm.ToRangeList());
}
