using System.Text;
using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Apmatrix.Integration.Tests.VfioAp;

/// <summary>
/// Publishes AP bus events straight to their exchanges, in whatever order and as often as a test wants, in the
/// envelope MassTransit writes; also raw bytes to one queue, for what no publisher would send.
/// </summary>
public sealed class BusEventSender : IAsyncDisposable
{
    readonly IConnection _connection;
    readonly IChannel _channel;

    BusEventSender(IConnection connection, IChannel channel) => (_connection, _channel) = (connection, channel);

    public static async Task<BusEventSender> OpenAsync(Uri broker)
    {
        var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
        return new BusEventSender(connection, await connection.CreateChannelAsync());
    }

    /// <summary>A full scan from an empty configuration: config changed, a probe per queue, scan complete.</summary>
    public static List<IBusEvent> Scan(string hostId, long first, string apm, string aqm, string adm)
    {
        var scan = Guid.NewGuid();
        var current = ApConfigInfo.From(new ApConfig(Bitmap256.ParseRangeList(apm), Bitmap256.ParseRangeList(aqm), Bitmap256.ParseRangeList(adm)));
        var previous = ApConfigInfo.From(new ApConfig(Bitmap256.Empty, Bitmap256.Empty, Bitmap256.Empty));
        var sequence = first;
        List<IBusEvent> events = [new ConfigChanged(hostId, sequence++, scan, current, previous)];
        foreach (var a in Bitmap256.ParseRangeList(apm))
        foreach (var d in Bitmap256.ParseRangeList(aqm))
            events.Add(new QueueProbed(hostId, sequence++, scan, new Apqn(a, d).ToString(), BoundDriver.VfioAp));
        events.Add(new ScanComplete(hostId, sequence, scan, current, previous));
        return events;
    }

    public async Task PublishAsync(IEnumerable<IBusEvent> events)
    {
        foreach (var e in events)
        {
            var name = e.GetType().Name;
            var envelope = new
            {
                messageId = Guid.NewGuid(),
                messageType = new[] { $"urn:message:Apmatrix.Contracts:{name}" },
                message = JsonSerializer.SerializeToElement(e, e.GetType(), Wire.Options),
            };
            await PublishAsync($"Apmatrix.Contracts:{name}", "", JsonSerializer.Serialize(envelope));
        }
    }

    public Task PublishAsync(params IBusEvent[] events) => PublishAsync(events.AsEnumerable());

    public Task SendRawAsync(string queue, string body) => PublishAsync("", queue, body);

    async Task PublishAsync(string exchange, string routingKey, string body) =>
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
