namespace Apmatrix.ApBus.Http;

/// <summary><c>PUT /hosts/{host}/config</c> and <c>POST /hosts/{host}/config-changed</c>.</summary>
public sealed record ConfigRequest(string? Apm, string? Aqm, string? Adm);
