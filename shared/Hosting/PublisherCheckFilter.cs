using MassTransit;

namespace Apmatrix.Hosting;

/// <summary>
/// Obeys a message only from its one publisher (the <c>user_id</c> RabbitMQ validated); anything else faults alone,
/// before it joins a batch, to <c>&lt;queue&gt;_error</c> with the reason.
/// </summary>
sealed class PublisherCheckFilter<TMessage>(string expected) : IFilter<ConsumeContext<TMessage>> where TMessage : class
{
    const int Shown = 64;

    public Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next)
    {
        var publisher = Publishers.Of(context);
        if (!string.Equals(publisher, expected, StringComparison.Ordinal))
            throw new UnauthorizedAccessException(
                $"{typeof(TMessage).Name} published by {(publisher is null ? "no user (no user_id)" : $"'{publisher[..Math.Min(publisher.Length, Shown)]}'")}; only '{expected}' may publish it");
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("publisher-check");
}
