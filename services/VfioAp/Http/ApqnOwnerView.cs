namespace Apmatrix.VfioAp.Http;

/// <summary>
/// An mdev as the picture of the matrix names it: its matrix and shadow APCB as sysfs hex masks (64 hex digits, MSB-0), so a
/// client finds which mdev an <see cref="ApqnState.Assigned"/> or <see cref="ApqnState.InGuestApcb"/> APQN belongs to.
/// </summary>
public sealed record ApqnOwnerView(string Name, string? Guest, string Apm, string Aqm, string ShadowApm, string ShadowAqm);
