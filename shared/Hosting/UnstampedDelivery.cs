using MassTransit;
using RabbitMQ.Client;

namespace Apmatrix.Hosting;

/// <summary>
/// A delivery as a move to <c>_error</c> or <c>_skipped</c> republishes it: without the publisher's <c>user_id</c>,
/// which RabbitMQ would refuse from the moving service's connection (406), and with it in a header instead.
/// </summary>
sealed class UnstampedDelivery(RabbitMqBasicConsumeContext delivery) : RabbitMqBasicConsumeContext
{
    public string Exchange => delivery.Exchange;

    public string ConsumerTag => delivery.ConsumerTag;

    public ulong DeliveryTag => delivery.DeliveryTag;

    public string? RoutingKey => delivery.RoutingKey;

    public IReadOnlyBasicProperties Properties { get; } = Unstamped(delivery.Properties);

    static BasicProperties Unstamped(IReadOnlyBasicProperties stamped)
    {
        var headers = stamped.Headers is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(stamped.Headers);
        // Only a user_id RabbitMQ validated is recorded: a re-drive trusts the header (PublisherCheckFilter).
        headers.Remove(Publishers.Header);
        if (stamped.IsUserIdPresent()) headers[Publishers.Header] = stamped.UserId;
        var properties = new BasicProperties(stamped) { Headers = headers };
        properties.ClearUserId();
        return properties;
    }
}
