namespace Apmatrix.VfioAp.Http;

/// <summary>
/// <c>POST /hosts/{host}/mask-check</c>: the apmask/aqmask the bus would change to, the bus's last sequence when it asks
/// and the id under which the allowed change is reserved (and released).
/// </summary>
public sealed record MaskCheckRequest(string? Apmask, string? Aqmask, long? LastSequence, Guid? Reservation);
