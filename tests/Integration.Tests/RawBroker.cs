using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Apmatrix.Integration.Tests;

/// <summary>A plain RabbitMQ.Client connection, for what a MassTransit publisher would not do: raw bytes, draining an error queue.</summary>
public abstract class RawBroker(IConnection connection, IChannel channel) : IAsyncDisposable
{
    protected IChannel Channel { get; } = channel;

    protected static async Task<(IConnection Connection, IChannel Channel)> ConnectAsync(Uri broker)
    {
        var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        return (connection, await connection.CreateChannelAsync());
    }

    /// <summary>Publishes bytes as they are: to a contract's exchange (as MassTransit would) or, by the default exchange, to one queue.</summary>
    public async Task PublishRawAsync(string exchange, string routingKey, string body) =>
        await Channel.BasicPublishAsync(exchange, routingKey, false,
            new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true }, Encoding.UTF8.GetBytes(body));

    /// <summary>Takes (and acknowledges) every message waiting in <paramref name="queue"/>; none while it does not exist yet.</summary>
    public async Task<IReadOnlyList<string>> DrainAsync(string queue)
    {
        var bodies = new List<string>();
        await using var drain = await connection.CreateChannelAsync();
        try
        {
            while (await drain.BasicGetAsync(queue, autoAck: true) is { } message) bodies.Add(Encoding.UTF8.GetString(message.Body.Span));
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
        }
        return bodies;
    }

    public async ValueTask DisposeAsync()
    {
        await Channel.CloseAsync();
        await connection.CloseAsync();
        Channel.Dispose();
        connection.Dispose();
        GC.SuppressFinalize(this);
    }
}
