using Apmatrix.Contracts;
using MassTransit;
using MassTransit.Configuration;

namespace Apmatrix.GuestVm.Messaging;

public sealed class ApplyApcbConsumerDefinition : ConsumerDefinition<ApplyApcbConsumer>
{
    // A scan's updates for a whole host (256 guests) fit one batch, which closes once they stop arriving.
    const int MessageLimit = 1000;
    const int ConcurrencyLimit = 2;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<ApplyApcbConsumer> consumer,
        IRegistrationContext context)
    {
        endpoint.AddPipeSpecification(new FilterPipeSpecification<ConsumeContext<ApplyApcb>>(new ApplyApcbCheck()));
        consumer.Options<BatchOptions>(batch => batch
            .SetMessageLimit(MessageLimit)
            .SetTimeLimit(TimeSpan.FromMilliseconds(10))
            .SetTimeLimitStart(BatchTimeLimitStart.FromLast)
            .SetConcurrencyLimit(ConcurrencyLimit));
        // Fewer prefetched messages than limit x concurrency would leave batches completing only on the timer.
        endpoint.PrefetchCount = Math.Max(endpoint.PrefetchCount, MessageLimit * ConcurrencyLimit);
        endpoint.ConcurrentMessageLimit = Math.Max(endpoint.ConcurrentMessageLimit ?? 0, MessageLimit * ConcurrencyLimit);
    }
}
