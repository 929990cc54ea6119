namespace Apmatrix.Dashboard.Http;

/// <summary>An APCB update a guest applied: its version, masks (range lists), mdev, vCPU-suspended time and when.</summary>
public sealed record AppliedUpdateView(long Version, string Apm, string Aqm, string Adm, string? Mdev, double SuspendedMilliseconds, DateTime AppliedAt);
