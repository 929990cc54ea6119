using MassTransit;
using MassTransit.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Apmatrix.Hosting;

/// <summary>
/// The one definition of a batch consumer's endpoint: its batch limits, a prefetch that lets every concurrent batch
/// fill, messages let into their batches in the order of delivery (<see cref="DeliveryOrderFilter{TContext}"/>), acknowledgements in the order of delivery (<see cref="AckOrderFilter{TContext}"/>), the check that the message comes from its one publisher, and the optional check that sends a malformed message alone to <c>&lt;queue&gt;_error</c> instead of failing
/// the whole batch it would join. The queue keeps the formatter's name for the consumer (for a generic consumer,
/// its message type's), unless the consumer runs on <see cref="HostLanes"/>.
/// </summary>
public sealed class BatchConsumerDefinition<TConsumer, TMessage>(BatchConsumerSetup<TConsumer, TMessage> setup)
    : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer<Batch<TMessage>>
    where TMessage : class
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer,
        IRegistrationContext context)
    {
        var limits = setup.Limits;
        endpoint.AddPipeSpecification(new FilterPipeSpecification<ConsumeContext<TMessage>>(new DeliveryOrderFilter<ConsumeContext<TMessage>>()));
        endpoint.AddPipeSpecification(new FilterPipeSpecification<ConsumeContext<TMessage>>(new AckOrderFilter<ConsumeContext<TMessage>>()));
        // Added first, so a message from a foreign publisher is refused before its content is even checked.
        var configuration = context.GetRequiredService<IConfiguration>();
        endpoint.AddPipeSpecification(new FilterPipeSpecification<ConsumeContext<TMessage>>(new PublisherCheckFilter<TMessage>(
            Publishers.Expected<TMessage>(configuration), Publishers.User(new Uri(configuration.GetConnectionString("RabbitMq")!)))));
        if (setup.Check is { } check)
            endpoint.AddPipeSpecification(new FilterPipeSpecification<ConsumeContext<TMessage>>(new MessageCheckFilter<TMessage>(check)));
        consumer.Options<BatchOptions>(batch => batch
            .SetMessageLimit(limits.MessageLimit)
            .SetTimeLimit(limits.TimeLimit)
            .SetConcurrencyLimit(limits.ConcurrencyLimit)
            .SetTimeLimitStart(limits.TimeLimitStart));
        // Fewer messages in flight than limit x concurrency would leave batches completing only on the timer.
        endpoint.PrefetchCount = Math.Max(endpoint.PrefetchCount, limits.Capacity);
        endpoint.ConcurrentMessageLimit = Math.Max(endpoint.ConcurrentMessageLimit ?? 0, limits.Capacity);
    }
}
