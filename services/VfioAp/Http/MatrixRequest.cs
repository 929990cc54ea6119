namespace Apmatrix.VfioAp.Http;

/// <summary>All three masks of an mdev's matrix, each a range list (<c>4-5</c>) or sysfs hex (<c>0x0c</c>).</summary>
public sealed record MatrixRequest(string? Apm, string? Aqm, string? Adm);
