using MassTransit;

namespace Apmatrix.Hosting;

/// <summary>
/// Lets an endpoint's messages into the rest of its pipe in the order RabbitMQ delivered them (their delivery tags on
/// the consumer's channel, <see cref="DeliveryLine"/>). RabbitMQ.Client hands deliveries to as many concurrent loops as
/// the endpoint has messages in flight, so a message whose thread is held up can reach its batch after hundreds of later
/// ones and land in the next batch, where a sequenced consumer parks every event after it.
/// </summary>
public sealed class DeliveryOrderFilter<TContext> : IFilter<TContext> where TContext : class, ConsumeContext
{
    /// <summary>Longer than a held-up message took on a busy 2-core machine (248 later ones went by, about 80 ms), short enough to cost little when a tag never comes.</summary>
    static readonly TimeSpan Patience = TimeSpan.FromMilliseconds(200);

    readonly DeliveryLine _line = new(Patience);

    public Task Send(TContext context, IPipe<TContext> next)
    {
        if (!context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var delivery)) return next.Send(context);
        var turn = _line.Enter(delivery.ConsumerTag, delivery.DeliveryTag);
        return turn.IsCompleted ? Pass(context, next, delivery.DeliveryTag) : PassInTurnAsync(turn, context, next, delivery.DeliveryTag);
    }

    async Task PassInTurnAsync(Task turn, TContext context, IPipe<TContext> next, ulong tag)
    {
        await turn;
        await Pass(context, next, tag);
    }

    /// <summary>Hands the message on and, once it is in (the rest of the pipe returned its task), lets its successor go.</summary>
    Task Pass(TContext context, IPipe<TContext> next, ulong tag)
    {
        try
        {
            return next.Send(context);
        }
        finally
        {
            _line.Passed(tag);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("delivery-order");
}
