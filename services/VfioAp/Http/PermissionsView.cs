namespace Apmatrix.VfioAp.Http;

/// <summary>The bus's apmask/aqmask as vfio_ap last saw them, as range lists.</summary>
public sealed record PermissionsView(string Apmask, string Aqmask);
