namespace Apmatrix.Contracts;

/// <summary>
/// Every AP bus event names its host and carries that host's next sequence number (1, 2, 3, ...
/// across all event kinds), so a consumer can apply each host's events in order, exactly once.
/// </summary>
public interface IBusEvent
{
    string HostId { get; }
    long Sequence { get; }
}
