namespace Apmatrix.VfioAp.Reconciliation;

/// <summary>apmask/aqmask in ApBus's snapshot, as range lists.</summary>
public sealed record ApBusMasks(string Apmask, string Aqmask);
