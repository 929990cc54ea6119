namespace Apmatrix.VfioAp.Http;

/// <summary><c>POST /hosts/{host}/mdevs</c>: a name and, optionally, the matrix it starts with (as <see cref="MatrixRequest"/>; a mask left out is empty).</summary>
public sealed record MdevRequest(string? Name, string? Apm = null, string? Aqm = null, string? Adm = null);
