using MassTransit;
using MassTransit.Context;

namespace Apmatrix.Hosting;

/// <summary>A received message whose RabbitMQ delivery reads as <see cref="UnstampedDelivery"/>, for MassTransit's own move transports.</summary>
class UnstampedReceiveContext(ReceiveContext context, string self) : ReceiveContextProxy(context)
{
    readonly RabbitMqBasicConsumeContext? _delivery =
        context.TryGetPayload<RabbitMqBasicConsumeContext>(out var delivery) ? new UnstampedDelivery(delivery, self) : null;

    public override bool TryGetPayload<TPayload>(out TPayload payload) where TPayload : class
    {
        if (_delivery is TPayload unstamped && typeof(TPayload) == typeof(RabbitMqBasicConsumeContext))
        {
            payload = unstamped;
            return true;
        }
        return base.TryGetPayload(out payload);
    }
}
