using Apmatrix.Hosting;
using MassTransit;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>How bus events reach VfioAp and are batched (configuration section <c>BusEvents</c>).</summary>
public sealed class BusEventBatchSettings
{
    public const string Section = "BusEvents";

    /// <summary>
    /// At most ApBus's lead less its refill (<c>BusEvents:Lead</c> 500, refill 250): a paced host never has more than that
    /// published and unapplied, so a larger batch could only close on <see cref="TimeLimit"/>, each round.
    /// </summary>
    public int MessageLimit { get; set; } = 250;

    /// <summary>How long a batch waits after its latest event for another: a stream fills batches, its last event waits only this.</summary>
    public TimeSpan TimeLimit { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Queues the hosts are hashed to: a host's events wait only behind the hosts of its own lane. Every VfioAp
    /// instance must use the same number, since each binds its lanes to the one exchange.
    /// </summary>
    public int Lanes { get; set; } = BusEventLanes.DefaultCount;

    /// <summary>Batches of one lane at once: one keeps the lane's order, so events park only after a redelivery.</summary>
    public int ConcurrencyLimit { get; set; } = 1;

    public HostLanes HostLanes => new(BusEventLanes.Name, Lanes, BusEventReader.Kinds);

    public BatchLimits Lane => new(MessageLimit, TimeLimit, ConcurrencyLimit, BatchTimeLimitStart.FromLast);

    /// <summary>ApcbsApplied: one statement marks a whole batch acknowledged.</summary>
    public BatchLimits Acknowledgements => new(MessageLimit, TimeLimit);
}
