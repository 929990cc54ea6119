using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Apmatrix.Integration.Tests.ApBus;

/// <summary>A message a service published, as its envelope's <c>message</c> part, with the contract's type name.</summary>
public sealed record Tapped(string Type, JsonElement Message)
{
    public string HostId => Message.GetProperty("hostId").GetString()!;
    public long Sequence => Message.GetProperty("sequence").GetInt64();
    public Guid? ScanId => Message.TryGetProperty("scanId", out var scan) && scan.ValueKind == JsonValueKind.String ? scan.GetGuid() : null;
    public string? Apqn => Message.TryGetProperty("apqn", out var apqn) ? apqn.GetString() : null;
}

/// <summary>
/// A temporary queue bound to contract exchanges, as any extra subscriber would bind one
/// (docs/ARCHITECTURE.md, Ownership); also raw publishing, for what a MassTransit publisher cannot send.
/// </summary>
public sealed class ExchangeTap : IAsyncDisposable
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    readonly IConnection _connection;
    readonly IChannel _channel;
    readonly ConcurrentQueue<Tapped> _received = new();

    ExchangeTap(IConnection connection, IChannel channel) => (_connection, _channel) = (connection, channel);

    public static async Task<ExchangeTap> OpenAsync(Uri broker, params string[] contracts)
    {
        var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var tap = new ExchangeTap(connection, channel);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var contract in contracts)
        {
            var exchange = Exchange(contract);
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
            await channel.QueueBindAsync(queue, exchange, "");
        }
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var envelope = JsonDocument.Parse(delivery.Body).RootElement;
            var type = envelope.GetProperty("messageType")[0].GetString()!.Split(':')[^1];
            tap._received.Enqueue(new Tapped(type, envelope.GetProperty("message").Clone()));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return tap;
    }

    public static string Exchange(string contract) => $"Apmatrix.Contracts:{contract}";

    /// <summary>Waits until <paramref name="done"/> holds for what arrived about <paramref name="hostId"/>, in sequence order.</summary>
    public async Task<IReadOnlyList<Tapped>> UntilAsync(string hostId, Func<IReadOnlyList<Tapped>, bool> done)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var mine = _received.Where(m => m.HostId == hostId).ToList();
            if (done(mine)) return mine;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"after {Patience.TotalSeconds} s the tap holds {mine.Count} messages about {hostId}");
            await Task.Delay(20);
        }
    }

    /// <summary>Bus events of <paramref name="hostId"/> once every sequence number up to <paramref name="last"/> has arrived.</summary>
    public async Task<IReadOnlyList<Tapped>> EventsAsync(string hostId, long last) =>
        (await UntilAsync(hostId, events => events.Select(e => e.Sequence).Distinct().Count() >= last))
        .OrderBy(e => e.Sequence)
        .ToList();

    /// <summary>Publishes bytes as they are: to a contract's exchange (as MassTransit would) or, by the default exchange, to one queue.</summary>
    public async Task PublishRawAsync(string exchange, string routingKey, string body) =>
        await _channel.BasicPublishAsync(exchange, routingKey, false,
            new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true }, Encoding.UTF8.GetBytes(body));

    /// <summary>Takes (and acknowledges) every message waiting in <paramref name="queue"/>; none while it does not exist yet.</summary>
    public async Task<IReadOnlyList<string>> DrainAsync(string queue)
    {
        var bodies = new List<string>();
        await using var channel = await _connection.CreateChannelAsync();
        try
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } message) bodies.Add(Encoding.UTF8.GetString(message.Body.Span));
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
        }
        return bodies;
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}
