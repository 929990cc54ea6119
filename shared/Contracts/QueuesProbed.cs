namespace Apmatrix.Contracts;

/// <summary>
/// The grouped form of <see cref="QueueProbed"/>: queue devices probed one after another, in that order, under one
/// sequence number, written as runs of consecutive APQNs (a full scan of one driver is one run). Applying the runs'
/// queues in order is applying the per-queue events.
/// </summary>
public sealed record QueuesProbed(string HostId, long Sequence, Guid? ScanId, IReadOnlyList<ProbedRun> Runs) : IBusEvent
{
    // Records compare lists by reference; a message is equal to another carrying the same runs.
    public bool Equals(QueuesProbed? other) =>
        other is not null && HostId == other.HostId && Sequence == other.Sequence && ScanId == other.ScanId && Runs.SequenceEqual(other.Runs);

    public override int GetHashCode() => HashCode.Combine(HostId, Sequence, ScanId, Runs.Count);
}
