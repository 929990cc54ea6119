namespace Apmatrix.GuestVm.Http;

/// <summary>One APCB version a guest applied, and how long its vCPUs were suspended for it.</summary>
public sealed record HistoryView(long Version, string Apm, string Aqm, string Adm, string? Mdev, double SuspendedMilliseconds, DateTime AppliedAt);
