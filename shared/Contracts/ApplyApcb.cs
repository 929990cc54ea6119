namespace Apmatrix.Contracts;

/// <summary>
/// Command to a guest: make your APCB exactly these masks. Versions count up by one per guest; a guest
/// applies them in order, once each, and acknowledges stale or repeated ones without applying them.
/// </summary>
public sealed record ApplyApcb(string HostId, string GuestId, long Version, string Apm, string Aqm, string Adm, string? Mdev);
