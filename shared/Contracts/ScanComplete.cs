namespace Apmatrix.Contracts;

/// <summary>The last queue event of a config-change scan has been published.</summary>
public sealed record ScanComplete(string HostId, long Sequence, Guid ScanId, ApConfigInfo Current, ApConfigInfo Previous) : IBusEvent;
