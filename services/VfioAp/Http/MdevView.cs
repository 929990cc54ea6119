using Apmatrix.ApModel;
using Apmatrix.VfioAp.Persistence;

namespace Apmatrix.VfioAp.Http;

/// <summary>An mdev with its <c>matrix</c> and <c>guest_matrix</c> as APQN lines (<c>05.0004</c>), and its assigned matrix's <see cref="MatrixTag"/>.</summary>
public sealed record MdevView(string Host, string Name, int MaxAdapter, int MaxDomain, MatrixView Assigned, MatrixView Shadow,
    MatrixView Added, string? Guest, IReadOnlyList<string> Matrix, IReadOnlyList<string> GuestMatrix, string MatrixTag)
{
    public static MdevView From(MdevRow row) => From(row.HostId, row.Name, row.MaxAdapter, row.MaxDomain, row.Assigned, row.Shadow, row.Added, row.Guest);

    public static MdevView From(string host, Engine.Mdev mdev) =>
        From(host, mdev.Name, mdev.MaxAdapter, mdev.MaxDomain, mdev.Assigned, mdev.Shadow, mdev.Added, mdev.Guest);

    static MdevView From(string host, string name, int maxAdapter, int maxDomain, ApMatrix assigned, ApMatrix shadow, ApMatrix added,
        string? guest) => new(host, name, maxAdapter, maxDomain, MatrixView.From(assigned), MatrixView.From(shadow), MatrixView.From(added),
        guest, SysfsText.MatrixLines(assigned.Apm, assigned.Aqm), SysfsText.MatrixLines(shadow.Apm, shadow.Aqm), Http.MatrixTag.Of(assigned));
}
