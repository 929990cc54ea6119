using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Hosting;
using RabbitMQ.Client;

namespace Apmatrix.Integration.Tests.VfioAp;

/// <summary>
/// Publishes AP bus events straight to their exchanges, in whatever order and as often as a test wants, in the
/// envelope MassTransit writes; also raw bytes, for what no publisher would send.
/// </summary>
public sealed class BusEventSender : RawBroker
{
    const string ApBusUser = "apbus";

    BusEventSender(IConnection connection, IChannel channel, Uri admin) : base(connection, channel, admin, ApBusUser)
    {
    }

    /// <summary>Publishes as ApBus's own broker user, the only one VfioAp takes bus events from.</summary>
    public static async Task<BusEventSender> OpenAsync(ServerFixture servers)
    {
        var (connection, channel) = await ConnectAsync(servers.Broker(ApBusUser));
        return new BusEventSender(connection, channel, servers.RabbitMq);
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
            // The host is the routing key, as ApBus's outbox sets it; AMQP takes at most 255 bytes of it.
            await PublishRawAsync($"Apmatrix.Contracts:{e.GetType().Name}", e.HostId.Length <= 255 ? e.HostId : "", Envelope(e));
    }

    /// <summary>The event in the envelope MassTransit writes, naming its own type and <see cref="IBusEvent"/>.</summary>
    public static string Envelope(IBusEvent e) => JsonSerializer.Serialize(new
    {
        messageId = Guid.NewGuid(),
        messageType = new[] { $"urn:message:Apmatrix.Contracts:{e.GetType().Name}", $"urn:message:Apmatrix.Contracts:{nameof(IBusEvent)}" },
        message = JsonSerializer.SerializeToElement(e, e.GetType(), Wire.Options),
    });

    public Task PublishAsync(params IBusEvent[] events) => PublishAsync(events.AsEnumerable());

    /// <summary>Takes every message waiting in any lane's <c>_error</c> queue.</summary>
    public async Task<List<string>> DrainLaneErrorsAsync(string queuePrefix)
    {
        var bodies = new List<string>();
        foreach (var queue in BusEventLanes.Queues(queuePrefix, "_error")) bodies.AddRange(await DrainAsync(queue));
        return bodies;
    }

    /// <summary>Raw bytes to a bus event's exchange, as ApBus's user.</summary>
    public Task SendRawAsync(string contract, string body) => PublishRawAsync($"Apmatrix.Contracts:{contract}", "", body);
}
