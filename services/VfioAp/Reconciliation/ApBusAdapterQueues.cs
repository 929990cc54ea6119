namespace Apmatrix.VfioAp.Reconciliation;

/// <summary>One adapter's queue devices in ApBus's snapshot: domain range lists by driver.</summary>
public sealed record ApBusAdapterQueues(int Adapter, string VfioAp, string Default);
