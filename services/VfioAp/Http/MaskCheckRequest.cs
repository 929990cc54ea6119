namespace Apmatrix.VfioAp.Http;

/// <summary><c>POST /hosts/{host}/mask-check</c>: the apmask/aqmask the bus would change to.</summary>
public sealed record MaskCheckRequest(string? Apmask, string? Aqmask);
