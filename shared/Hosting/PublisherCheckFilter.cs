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
        var user = Publishers.Of(context);
        var publisher = user != self ? user
            : context.ReceiveContext.TryGetPayload<RabbitMqBasicConsumeContext>(out var delivery)
                ? DeadLetterMessage.Header(delivery.Properties.Headers, Publishers.Header)
                : null;
        if (!string.Equals(publisher, expected, StringComparison.Ordinal))
            throw new UnauthorizedAccessException($"{typeof(TMessage).Name} {Source(user, publisher)}; only '{expected}' may publish it");
        return next.Send(context);
    }

    string Source(string? user, string? publisher) => user is null ? "published by no user (no user_id)"
        : user != self ? $"published by {Shorten(user)}"
        : publisher is null ? $"sent by this service's own user {Shorten(self)} without the validated first publisher a re-drive records"
        : $"re-driven by this service's own user {Shorten(self)}, first published by {Shorten(publisher)}";

    static string Shorten(string name) => $"'{name[..Math.Min(name.Length, Shown)]}'";

    public void Probe(ProbeContext context) => context.CreateFilterScope("publisher-check");
}
