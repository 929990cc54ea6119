namespace Apmatrix.Contracts;

/// <summary>
/// The grouped form of <see cref="QueueRemoved"/>: queue devices that left their drivers one after another, in that order
/// (a scan's removals of one adapter, in APQN order), under one sequence number.
/// </summary>
public sealed record QueuesRemoved(string HostId, long Sequence, Guid? ScanId, IReadOnlyList<RemovedQueue> Queues) : IBusEvent
{
    // Records compare lists by reference; a message is equal to another carrying the same queues.
    public bool Equals(QueuesRemoved? other) =>
        other is not null && HostId == other.HostId && Sequence == other.Sequence && ScanId == other.ScanId && Queues.SequenceEqual(other.Queues);

    public override int GetHashCode() => HashCode.Combine(HostId, Sequence, ScanId, Queues.Count);
}
