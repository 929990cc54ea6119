namespace Apmatrix.VfioAp.Reconciliation;

/// <summary>ApBus could not be asked for a host's snapshot, or answered with something that is not one.</summary>
public sealed class ApBusUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
