namespace Apmatrix.Scenarios.Stack;

/// <summary>Where the running services listen, and the API key to call them with (apctl finds them: flags, <c>APMATRIX_*_URL</c>, defaults).</summary>
public sealed record StackEndpoints(Uri ApBus, Uri VfioAp, Uri GuestVm, string? ApiKey);
