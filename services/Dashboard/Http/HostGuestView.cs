namespace Apmatrix.Dashboard.Http;

/// <summary>
/// A guest of the host as both sides see it: the latest APCB version VfioAp sent and the highest acknowledged, and from GuestVm
/// the version applied, the updates applied (each a vCPU suspend cycle), their total suspended time, the APCB and its last updates.
/// A side that does not know the guest yet leaves its figures null.
/// </summary>
public sealed record HostGuestView(string Guest, string? Mdev, long? SentVersion, long? AcknowledgedVersion, int? Vcpus, long? AppliedVersion,
    long? Updates, double? SuspendedMilliseconds, DateTime? AppliedAt, string? Apm, string? Aqm, string? Adm, IReadOnlyList<AppliedUpdateView> LastUpdates);
