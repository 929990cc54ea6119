namespace Apmatrix.Dashboard.Http;

/// <summary>An mdev of the picture: its guest, its matrix and shadow APCB as sysfs hex masks (MSB-0), which name the owner of an assigned APQN.</summary>
public sealed record MdevMasksView(string Name, string? Guest, string Apm, string Aqm, string ShadowApm, string ShadowAqm);
