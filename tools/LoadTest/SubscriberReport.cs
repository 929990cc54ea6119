namespace Apmatrix.LoadTest;

/// <summary>
/// What one extra subscriber saw of one host. Delivery is at least once (docs/ARCHITECTURE.md), so a repeat
/// is counted but breaks neither completeness nor order; a subscriber drops it by its sequence. Order is judged on
/// first deliveries; what the broker redelivered after a failure is counted in <see cref="Redelivered"/>.
/// </summary>
public sealed record SubscriberReport(string Queue, string Host, long LastSequence, long Delivered, long Missing, long Duplicates,
    long Redelivered, long OutOfOrder, string FirstOutOfOrder)
{
    public bool Complete => Missing == 0;
    public bool InOrder => OutOfOrder == 0;
}
