using Apmatrix.Contracts;
using Apmatrix.GuestVm.Messaging;
using Apmatrix.Hosting;
using Apmatrix.VfioAp.Messaging;
using MassTransit;

namespace Apmatrix.Services.Tests.Messaging;

/// <summary>Queue and exchange names are part of the wire contract: the broker's permissions and the operators' tools name them.</summary>
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
        Assert.Equal("run42-apcbs-applied", QueueOf<ApcbsAppliedConsumer, ApcbsApplied>());
        Assert.Equal("run42-apply-apcbs", QueueOf<ApplyApcbsConsumer, ApplyApcbs>());
    }

    [Fact]
    public void Bus_events_travel_in_sixteen_lanes_fed_by_every_kind_of_bus_event()
    {
        var lanes = new BusEventBatchSettings().HostLanes;

        Assert.Equal("bus-events", lanes.Name);
        Assert.Equal(16, lanes.Count);
        Assert.Equal("bus-events-15", lanes.Queue(15));
        var kinds = typeof(IBusEvent).Assembly.GetTypes().Where(t => t.IsClass && t.IsAssignableTo(typeof(IBusEvent)));
        Assert.Equal(kinds.OrderBy(t => t.Name), lanes.Sources.OrderBy(t => t.Name));
    }

    [Fact]
    public void Bus_event_batches_keep_their_configured_limits()
    {
        var settings = new BusEventBatchSettings();

        Assert.Equal(new BatchLimits(250, TimeSpan.FromMilliseconds(10), 1, BatchTimeLimitStart.FromLast), settings.Lane);
        Assert.Equal(new BatchLimits(250, TimeSpan.FromMilliseconds(10)), settings.Acknowledgements);
        Assert.Equal(500, settings.Lane.Capacity);
    }
}
