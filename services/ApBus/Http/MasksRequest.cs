namespace Apmatrix.ApBus.Http;

/// <summary><c>PUT /hosts/{host}/masks</c>: both bus masks at once.</summary>
public sealed record MasksRequest(string? Apmask, string? Aqmask);
