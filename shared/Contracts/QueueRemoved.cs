namespace Apmatrix.Contracts;

/// <summary>A queue device left its driver.</summary>
public sealed record QueueRemoved(string HostId, long Sequence, Guid? ScanId, string Apqn, BoundDriver Driver, RemovalReason Reason) : IBusEvent;
