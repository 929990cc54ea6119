namespace Apmatrix.Contracts;

/// <summary>The host's AP configuration changed (spec 2.5); precedes every queue event of its scan.</summary>
public sealed record ConfigChanged(string HostId, long Sequence, Guid ScanId, ApConfigInfo Current, ApConfigInfo Previous) : IBusEvent;
