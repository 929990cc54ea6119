namespace Apmatrix.Contracts;

/// <summary>
/// The grouped form of <see cref="QueueProbed"/>: queue devices probed one after another, in that order (a scan's probes
/// of one adapter, in APQN order), under one sequence number. Applying them in order is applying the per-queue events.
/// </summary>
public sealed record QueuesProbed(string HostId, long Sequence, Guid? ScanId, IReadOnlyList<ProbedQueue> Queues) : IBusEvent
{
    // Records compare lists by reference; a message is equal to another carrying the same queues.
    public bool Equals(QueuesProbed? other) =>
        other is not null && HostId == other.HostId && Sequence == other.Sequence && ScanId == other.ScanId && Queues.SequenceEqual(other.Queues);

    public override int GetHashCode() => HashCode.Combine(HostId, Sequence, ScanId, Queues.Count);
}
