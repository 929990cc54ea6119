using Apmatrix.ApModel;
using Apmatrix.Engine;
using Apmatrix.VfioAp.Persistence;

namespace Apmatrix.VfioAp.Http;

/// <summary>Id sets as range lists (<c>4-5,9</c>).</summary>
public sealed record MatrixView(string Apm, string Aqm, string Adm)
{
    public static MatrixView From(ApMatrix masks) => new(masks.Apm.ToRangeList(), masks.Aqm.ToRangeList(), masks.Adm.ToRangeList());
}

public sealed record ConfigView(string Apm, string Aqm, string Adm, int MaxAdapter, int MaxDomain);

public sealed record PermissionsView(string Apmask, string Aqmask);

public sealed record HostView(string Host, string Mode, long LastSequence, ConfigView Config, PermissionsView Masks,
    int BoundQueues, int PendingEvents, IReadOnlyList<string> Mdevs)
{
    public static HostView From(HostRow row, int pendingEvents, IReadOnlyList<string> mdevs) => new(
        row.HostId, HotPlugModes.Name(row.Mode), row.LastSequence,
        new ConfigView(row.Apm.ToRangeList(), row.Aqm.ToRangeList(), row.Adm.ToRangeList(), row.MaxAdapter, row.MaxDomain),
        new PermissionsView(row.Apmask.ToRangeList(), row.Aqmask.ToRangeList()),
        row.ReadBoundQueues().Sum(domains => domains.Count), pendingEvents, mdevs);
}

/// <summary>An mdev with its <c>matrix</c> and <c>guest_matrix</c> as APQN lines (<c>05.0004</c>).</summary>
public sealed record MdevView(string Host, string Name, int MaxAdapter, int MaxDomain, MatrixView Assigned, MatrixView Shadow,
    MatrixView Added, string? Guest, IReadOnlyList<string> Matrix, IReadOnlyList<string> GuestMatrix)
{
    public static MdevView From(MdevRow row) => From(row.HostId, row.Name, row.MaxAdapter, row.MaxDomain, row.Assigned, row.Shadow, row.Added, row.Guest);

    public static MdevView From(string host, Engine.Mdev mdev) =>
        From(host, mdev.Name, mdev.MaxAdapter, mdev.MaxDomain, mdev.Assigned, mdev.Shadow, mdev.Added, mdev.Guest);

    static MdevView From(string host, string name, int maxAdapter, int maxDomain, ApMatrix assigned, ApMatrix shadow, ApMatrix added,
        string? guest) => new(host, name, maxAdapter, maxDomain, MatrixView.From(assigned), MatrixView.From(shadow), MatrixView.From(added),
        guest, SysfsText.MatrixLines(assigned.Apm, assigned.Aqm), SysfsText.MatrixLines(shadow.Apm, shadow.Aqm));
}

/// <summary>A guest's APCB, the latest version sent and the highest version it has acknowledged.</summary>
public sealed record GuestView(string Guest, string? Mdev, long Version, long AcknowledgedVersion, MatrixView Apcb);
