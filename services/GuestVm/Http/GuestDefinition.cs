namespace Apmatrix.GuestVm.Http;

/// <summary><c>PUT /hosts/{host}/guests/{guest}</c>: vCPUs 1..248 (default <c>Guests:DefaultVcpus</c>), format Apcb0 or Apcb1 (default).</summary>
public sealed record GuestDefinition(int? Vcpus, string? Format);
