namespace Apmatrix.VfioAp.Http;

/// <summary>A guest's APCB as vfio_ap last sent it, the latest version sent and the highest version it has acknowledged.</summary>
public sealed record GuestApcbView(string Guest, string? Mdev, long Version, long AcknowledgedVersion, MatrixView Apcb);
