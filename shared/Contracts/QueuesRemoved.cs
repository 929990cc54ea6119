namespace Apmatrix.Contracts;

/// <summary>
/// The grouped form of <see cref="QueueRemoved"/>: queue devices that left their drivers one after another, in that order,
/// under one sequence number, written as runs of consecutive APQNs.
/// </summary>
public sealed record QueuesRemoved(string HostId, long Sequence, Guid? ScanId, IReadOnlyList<RemovedRun> Runs) : IBusEvent
{
    // Records compare lists by reference; a message is equal to another carrying the same runs.
    public bool Equals(QueuesRemoved? other) =>
        other is not null && HostId == other.HostId && Sequence == other.Sequence && ScanId == other.ScanId && Runs.SequenceEqual(other.Runs);

    public override int GetHashCode() => HashCode.Combine(HostId, Sequence, ScanId, Runs.Count);
}
