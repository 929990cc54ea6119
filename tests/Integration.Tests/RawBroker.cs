using System.Text;
using Apmatrix.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Apmatrix.Integration.Tests;

/// <summary>
/// A plain RabbitMQ.Client connection, for what a MassTransit publisher would not do: raw bytes, a forged or missing
/// <c>user_id</c>; it publishes as one broker user and drains error queues as the test admin.
/// </summary>
public class RawBroker(IConnection connection, IChannel channel, Uri admin, string user) : IAsyncDisposable
{
    protected IChannel Channel { get; } = channel;

    /// <summary>The broker user this connection publishes as, and stamps as <c>user_id</c> unless told otherwise.</summary>
    public string User { get; } = user;

    /// <summary>A connection as <paramref name="user"/> (apbus, vfioap, guestvm, auditor, or the admin's URL's user).</summary>
    public static async Task<RawBroker> OpenAsync(ServerFixture servers, string user)
    {
        var (connection, channel) = await ConnectAsync(servers.Broker(user));
        return new RawBroker(connection, channel, servers.RabbitMq, user);
    }

    /// <summary>A connection and channel; a <paramref name="confirmed"/> channel's publish returns once the broker holds the message, so another connection counts it.</summary>
    protected static async Task<(IConnection Connection, IChannel Channel)> ConnectAsync(Uri broker, bool confirmed = false)
    {
        var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        return (connection, await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: confirmed, publisherConfirmationTrackingEnabled: confirmed)));
    }

    /// <summary>Publishes bytes as they are, stamped with this connection's user: to a contract's exchange (as MassTransit would) or, by the default exchange, to one queue.</summary>
    public Task PublishRawAsync(string exchange, string routingKey, string body) => PublishRawAsync(exchange, routingKey, body, User);

    /// <summary>Publishes bytes with <paramref name="userId"/> as the <c>user_id</c> (none when null), as a forger would.</summary>
    public async Task PublishRawAsync(string exchange, string routingKey, string body, string? userId) =>
        await Channel.BasicPublishAsync(exchange, routingKey, false,
            new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true, UserId = userId }, Encoding.UTF8.GetBytes(body));

    /// <summary>Takes (and acknowledges), as the admin, every message waiting in <paramref name="queue"/>; none while it does not exist yet.</summary>
    public async Task<IReadOnlyList<string>> DrainAsync(string queue) =>
        (await DrainMessagesAsync(queue)).Select(m => Encoding.UTF8.GetString(m.Body.Span)).ToList();

    /// <summary>As <see cref="DrainAsync"/>, with each message's properties.</summary>
    public async Task<IReadOnlyList<BasicGetResult>> DrainMessagesAsync(string queue)
    {
        var messages = new List<BasicGetResult>();
        var (drainConnection, drain) = await ConnectAsync(admin);
        await using var _ = drainConnection;
        await using var __ = drain;
        try
        {
            while (await drain.BasicGetAsync(queue, autoAck: true) is { } message) messages.Add(message);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
        }
        return messages;
    }

    /// <summary>Whether the broker has <paramref name="queue"/>, asked as the admin.</summary>
    public async Task<bool> ExistsAsync(string queue)
    {
        var (adminConnection, adminChannel) = await ConnectAsync(admin);
        await using var _ = adminConnection;
        await using var __ = adminChannel;
        try
        {
            await adminChannel.QueueDeclarePassiveAsync(queue);
            return true;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Channel.IsOpen) await Channel.CloseAsync();
        await connection.CloseAsync();
        Channel.Dispose();
        connection.Dispose();
        GC.SuppressFinalize(this);
    }
}
