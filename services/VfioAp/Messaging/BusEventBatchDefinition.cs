using Apmatrix.Contracts;
using Apmatrix.VfioAp.Persistence;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>How bus events are batched (configuration section <c>BusEvents</c>).</summary>
public sealed class BusEventBatchSettings
{
    public int MessageLimit { get; set; } = 500;

    /// <summary>How long a batch waits after its latest event for another: a stream fills batches, its last event waits only this.</summary>
    public TimeSpan TimeLimit { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>The same for events that come once per host and scan (config changed, scan complete, bus masks): no stream to wait for.</summary>
    public TimeSpan OncePerScanTimeLimit { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Two batches at once: while one holds a host's row lock the next is already storing its events.</summary>
    public int ConcurrencyLimit { get; set; } = 2;
}

/// <summary>Bus events are consumed in batches so that a scan of 65,536 queues costs a few hundred transactions, not 65,536.</summary>
public sealed class BusEventBatchDefinition<TConsumer, TEvent>(IOptions<BusEventBatchSettings> options) : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer<Batch<TEvent>>
    where TEvent : class, IBusEvent
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer,
        IRegistrationContext context)
    {
        var settings = options.Value;
        // A malformed event faults on its own (to <queue>_error) instead of failing the whole batch it would join.
        endpoint.UseExecute(received =>
        {
            if (received.TryGetMessage<TEvent>(out var message)) PendingBusEvent.From(message.Message);
        });
        consumer.Options<BatchOptions>(batch => batch
            .SetMessageLimit(settings.MessageLimit)
            .SetConcurrencyLimit(settings.ConcurrencyLimit)
            .SetTimeLimit(typeof(TEvent) == typeof(QueueProbed) || typeof(TEvent) == typeof(QueueRemoved) ? settings.TimeLimit : settings.OncePerScanTimeLimit)
            .SetTimeLimitStart(BatchTimeLimitStart.FromLast));
        // Fewer prefetched messages than limit x concurrency would leave batches completing only on the timer.
        var capacity = settings.MessageLimit * settings.ConcurrencyLimit;
        endpoint.PrefetchCount = Math.Max(endpoint.PrefetchCount, capacity);
        endpoint.ConcurrentMessageLimit = Math.Max(endpoint.ConcurrentMessageLimit ?? 0, capacity);
    }
}
