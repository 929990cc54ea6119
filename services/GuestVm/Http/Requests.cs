using Apmatrix.ApModel;

namespace Apmatrix.GuestVm.Http;

/// <summary><c>PUT /hosts/{host}/guests/{guest}</c>: vCPUs 1..248 (default <c>Guests:DefaultVcpus</c>), format Apcb0 or Apcb1 (default).</summary>
public sealed record GuestDefinition(int? Vcpus, string? Format);

public sealed record GuestView(string Host, string Guest, int Vcpus, ApcbFormat Format, string Apm, string Aqm, string Adm, string Crycb,
    string? Mdev, long Version, long Updates, double SuspendedMilliseconds, DateTime? AppliedAt, IReadOnlyList<HistoryView> History);

public sealed record HistoryView(long Version, string Apm, string Aqm, string Adm, string? Mdev, double SuspendedMilliseconds, DateTime AppliedAt);
