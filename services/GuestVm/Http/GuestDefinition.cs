namespace Apmatrix.GuestVm.Http;

/// <summary>
/// <c>PUT /hosts/{host}/guests/{guest}</c>: vCPUs 1..248, format Apcb0 or Apcb1; left out, a new guest's are
/// <c>Guests:DefaultVcpus</c> and Apcb1 and a defined guest keeps its own.
/// </summary>
public sealed record GuestDefinition(int? Vcpus = null, string? Format = null);
