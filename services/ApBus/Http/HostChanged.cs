namespace Apmatrix.ApBus.Http;

/// <summary>Every change's answer: the sequence number of the host's last event so far.</summary>
public sealed record HostChanged(string Host, long LastSequence);
