namespace Apmatrix.Contracts;

/// <summary>A queue device was created and bound to a driver; <see cref="ScanId"/> is null outside a config-change scan.</summary>
public sealed record QueueProbed(string HostId, long Sequence, Guid? ScanId, string Apqn, BoundDriver Driver) : IBusEvent;
