using MassTransit;

namespace Apmatrix.Hosting;

/// <summary>
/// Obeys a message only from its one publisher (the <c>user_id</c> RabbitMQ validated); anything else faults alone,
/// before it joins a batch, to <c>&lt;queue&gt;_error</c> with the reason. A message this service re-drove from its
/// dead letters (<see cref="DeadLetterBroker"/>) carries this service's own user and the publisher it was moved with.
/// </summary>
sealed class PublisherCheckFilter<TMessage>(string expected, string self) : IFilter<ConsumeContext<TMessage>> where TMessage : class
{
    const int Shown = 64;

    public Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next)
    {
        var publisher = Publishers.Of(context);
        if (publisher == self)
            publisher = context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var delivery)
                ? DeadLetterMessage.Header(delivery.Properties.Headers, Publishers.Header)
                : null;
        if (!string.Equals(publisher, expected, StringComparison.Ordinal))
            throw new UnauthorizedAccessException(
                $"{typeof(TMessage).Name} published by {(publisher is null ? "no user (no user_id)" : $"'{publisher[..Math.Min(publisher.Length, Shown)]}'")}; only '{expected}' may publish it");
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("publisher-check");
}
