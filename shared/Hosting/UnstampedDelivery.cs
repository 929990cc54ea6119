using MassTransit;
using RabbitMQ.Client;

namespace Apmatrix.Hosting;

/// <summary>
/// A delivery as a move to <c>_error</c> or <c>_skipped</c> republishes it: without the publisher's <c>user_id</c>,
/// which RabbitMQ would refuse from the moving service's connection (406), and with it in a header instead.
/// <paramref name="self"/> is the moving service's own broker user.
/// </summary>
sealed class UnstampedDelivery(RabbitMqBasicConsumeContext delivery, string self) : RabbitMqBasicConsumeContext
{
    public string Exchange => delivery.Exchange;

    public string ConsumerTag => delivery.ConsumerTag;

    public ulong DeliveryTag => delivery.DeliveryTag;

    public string? RoutingKey => delivery.RoutingKey;

    public IReadOnlyBasicProperties Properties { get; } = Unstamped(delivery.Properties, self);

    static BasicProperties Unstamped(IReadOnlyBasicProperties stamped, string self)
    {
        var headers = stamped.Headers is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(stamped.Headers);
        // A re-drive trusts the header (PublisherCheckFilter); the receive queue is written by publishers, so not the header they sent.
        Publishers.Record(headers, stamped, self, headerTrusted: false);
        var properties = new BasicProperties(stamped) { Headers = headers };
        properties.ClearUserId();
        return properties;
    }
}
