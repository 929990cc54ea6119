namespace Apmatrix.VfioAp.Http;

/// <summary><c>POST /hosts/{host}/mdevs</c>.</summary>
public sealed record MdevRequest(string? Name);
