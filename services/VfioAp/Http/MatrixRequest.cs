namespace Apmatrix.VfioAp.Http;

/// <summary>
/// All three masks of an mdev's matrix, each a range list (<c>4-5</c>) or sysfs hex (<c>0x0c</c>); with <see cref="IfMatrixTag"/>,
/// written only if the mdev's matrix is still the one of that tag (409 <c>changed</c> otherwise).
/// </summary>
public sealed record MatrixRequest(string? Apm, string? Aqm, string? Adm, string? IfMatrixTag = null);
