using Apmatrix.Hosting;
using MassTransit;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>How bus events are batched (configuration section <c>BusEvents</c>).</summary>
public sealed class BusEventBatchSettings
{
    public const string Section = "BusEvents";

    public int MessageLimit { get; set; } = 500;

    /// <summary>
    /// Batch size for grouped queue events (queues probed, queues removed), each up to one adapter's 256 queues: 16 keeps a
    /// transaction to at most 4,096 queue operations and the prefetch to 32 messages, and a full-scale scan to 16 commits.
    /// </summary>
    public int GroupedMessageLimit { get; set; } = 16;

    /// <summary>How long a batch waits after its latest event for another: a stream fills batches, its last event waits only this.</summary>
    public TimeSpan TimeLimit { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The same for events that come once per host and scan (config changed, scan complete, bus masks): no stream to wait for.</summary>
    public TimeSpan OncePerScanTimeLimit { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Two batches at once: while one holds a host's row lock the next is already storing its events.</summary>
    public int ConcurrencyLimit { get; set; } = 2;

    /// <summary>Queue probed and queue removed: a scan sends them by the thousand.</summary>
    public BatchLimits Streamed => new(MessageLimit, TimeLimit, ConcurrencyLimit, BatchTimeLimitStart.FromLast);

    /// <summary>Queues probed and queues removed: a scan sends one per adapter, each holding many queue events.</summary>
    public BatchLimits Grouped => new(GroupedMessageLimit, TimeLimit, ConcurrencyLimit, BatchTimeLimitStart.FromLast);

    public BatchLimits OncePerScan => new(MessageLimit, OncePerScanTimeLimit, ConcurrencyLimit, BatchTimeLimitStart.FromLast);

    /// <summary>ApcbApplied: one statement marks a whole batch acknowledged.</summary>
    public BatchLimits Acknowledgements => new(MessageLimit, TimeLimit);
}
