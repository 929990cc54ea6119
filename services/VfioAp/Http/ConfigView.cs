namespace Apmatrix.VfioAp.Http;

/// <summary>The host configuration snapshot H vfio_ap last saw, id sets as range lists.</summary>
public sealed record ConfigView(string Apm, string Aqm, string Adm, int MaxAdapter, int MaxDomain);
