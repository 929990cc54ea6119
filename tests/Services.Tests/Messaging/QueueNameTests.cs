using Apmatrix.Contracts;
using Apmatrix.GuestVm.Messaging;
using Apmatrix.Hosting;
using Apmatrix.VfioAp.Messaging;
using MassTransit;

namespace Apmatrix.Services.Tests.Messaging;

/// <summary>Queue names are part of the wire contract: the generic bus-event consumer must keep one queue per event kind.</summary>
public class QueueNameTests
{
    static readonly IEndpointNameFormatter Formatter = new KebabCaseEndpointNameFormatter("run42-", false);

    static readonly BatchLimits Limits = new(10, TimeSpan.FromMilliseconds(1));

    static string QueueOf<TConsumer, TMessage>()
        where TConsumer : class, IConsumer<Batch<TMessage>>
        where TMessage : class =>
        ((IConsumerDefinition)new BatchConsumerDefinition<TConsumer, TMessage>(new(Limits, null))).GetEndpointName(Formatter);

    [Fact]
    public void Every_batch_consumer_keeps_its_prefixed_queue()
    {
        Assert.Equal("run42-config-changed", QueueOf<BusEventConsumer<ConfigChanged>, ConfigChanged>());
        Assert.Equal("run42-queue-probed", QueueOf<BusEventConsumer<QueueProbed>, QueueProbed>());
        Assert.Equal("run42-queue-removed", QueueOf<BusEventConsumer<QueueRemoved>, QueueRemoved>());
        Assert.Equal("run42-queues-probed", QueueOf<BusEventConsumer<QueuesProbed>, QueuesProbed>());
        Assert.Equal("run42-queues-removed", QueueOf<BusEventConsumer<QueuesRemoved>, QueuesRemoved>());
        Assert.Equal("run42-scan-complete", QueueOf<BusEventConsumer<ScanComplete>, ScanComplete>());
        Assert.Equal("run42-bus-masks-changed", QueueOf<BusEventConsumer<BusMasksChanged>, BusMasksChanged>());
        Assert.Equal("run42-apcb-applied", QueueOf<ApcbAppliedConsumer, ApcbApplied>());
        Assert.Equal("run42-apply-apcb", QueueOf<ApplyApcbConsumer, ApplyApcb>());
    }

    [Fact]
    public void Bus_event_batches_keep_their_configured_limits()
    {
        var settings = new BusEventBatchSettings();

        Assert.Equal(new BatchLimits(500, TimeSpan.FromMilliseconds(10), 2, BatchTimeLimitStart.FromLast), settings.Streamed);
        Assert.Equal(new BatchLimits(16, TimeSpan.FromMilliseconds(10), 2, BatchTimeLimitStart.FromLast), settings.Grouped);
        Assert.Equal(new BatchLimits(500, TimeSpan.FromMilliseconds(1), 2, BatchTimeLimitStart.FromLast), settings.OncePerScan);
        Assert.Equal(new BatchLimits(500, TimeSpan.FromMilliseconds(10)), settings.Acknowledgements);
        Assert.Equal(1000, settings.Streamed.Capacity);
    }
}
