namespace Apmatrix.VfioAp.Reconciliation;

/// <summary>A bus configuration in ApBus's snapshot: id sets as range lists.</summary>
public sealed record ApBusConfig(string Apm, string Aqm, string Adm, int MaxAdapter, int MaxDomain);
