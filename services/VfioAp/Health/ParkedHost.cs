namespace Apmatrix.VfioAp.Health;

/// <summary>A host with bus events parked after a gap: the last event applied and the first one parked.</summary>
public sealed record ParkedHost(string HostId, long LastSequence, long FirstParked);
