using Apmatrix.Contracts;
using MassTransit;
using MassTransit.Configuration;

namespace Apmatrix.GuestVm.Messaging;

public sealed class ApplyApcbConsumerDefinition : ConsumerDefinition<ApplyApcbConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<ApplyApcbConsumer> consumer,
        IRegistrationContext context)
    {
        endpoint.AddPipeSpecification(new FilterPipeSpecification<ConsumeContext<ApplyApcb>>(new ApplyApcbCheck()));
        consumer.Options<BatchOptions>(batch => batch
            .SetMessageLimit(100)
            .SetTimeLimit(TimeSpan.FromMilliseconds(20))
            .SetConcurrencyLimit(2));
    }
}
