using System.Collections.Concurrent;
using System.Text.Json;
using Apmatrix.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Apmatrix.Integration.Tests.ApBus;

/// <summary>A message a service published, as its envelope's <c>message</c> part, with the contract's type name.</summary>
public sealed record Tapped(string Type, JsonElement Message)
{
    public string HostId => Message.GetProperty("hostId").GetString()!;
    public long Sequence => Message.GetProperty("sequence").GetInt64();
    public Guid? ScanId => Message.TryGetProperty("scanId", out var scan) && scan.ValueKind == JsonValueKind.String ? scan.GetGuid() : null;
    public string? Apqn => Message.TryGetProperty("apqn", out var apqn) ? apqn.GetString() : null;

    /// <summary>The APQNs of a grouped message's runs (<c>QueuesProbed</c>, <c>QueuesRemoved</c>) in its order; empty for any other.</summary>
    public IReadOnlyList<string> Queues => Message.TryGetProperty("runs", out var runs)
        ? [.. runs.EnumerateArray().SelectMany(r => Each(r.GetProperty("first").GetString(), r.GetProperty("last").GetString()))]
        : [];

    static IEnumerable<string> Each(string? first, string? last) =>
        ApqnRuns.TryRead(first, last, out var from, out var to) is null ? ApqnRuns.Each(from, to).Select(a => a.ToString()) : throw new FormatException($"run {first}-{last}");
}

/// <summary>
/// A temporary queue bound to contract exchanges, as any extra subscriber would bind one
/// (docs/ARCHITECTURE.md, Ownership).
/// </summary>
public sealed class ExchangeTap : RawBroker
{
    readonly ConcurrentQueue<Tapped> _received = new();

    const string Auditor = "auditor";

    ExchangeTap(IConnection connection, IChannel channel, Uri admin) : base(connection, channel, admin, Auditor)
    {
    }

    /// <summary>
    /// As the auditor, which may bind and read but never publish or declare an exchange: the services have declared
    /// the contracts' exchanges by the time a test runs, so the tap only checks they are there.
    /// </summary>
    public static async Task<ExchangeTap> OpenAsync(ServerFixture servers, params string[] contracts)
    {
        var (connection, channel) = await ConnectAsync(servers.Broker(Auditor));
        var tap = new ExchangeTap(connection, channel, servers.RabbitMq);
        var queue = (await channel.QueueDeclareAsync($"audit-{Guid.NewGuid():N}", durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var contract in contracts)
        {
            var exchange = Exchange(contract);
            await channel.ExchangeDeclarePassiveAsync(exchange);
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
    public Task<IReadOnlyList<Tapped>> UntilAsync(string hostId, Func<IReadOnlyList<Tapped>, bool> done) =>
        Eventually.ReadAsync(() => Task.FromResult<IReadOnlyList<Tapped>>(_received.Where(m => m.HostId == hostId).ToList()), done,
            $"the tap's messages about {hostId}", describe: mine => $"{mine.Count} messages");

    /// <summary>Bus events of <paramref name="hostId"/> once every sequence number up to <paramref name="last"/> has arrived.</summary>
    public async Task<IReadOnlyList<Tapped>> EventsAsync(string hostId, long last) =>
        (await ArrivedAsync(hostId, last)).OrderBy(e => e.Sequence).ToList();

    /// <summary>
    /// What arrived about <paramref name="hostId"/>, in arrival order with repeats, once every sequence number up to
    /// <paramref name="last"/> has.
    /// </summary>
    public Task<IReadOnlyList<Tapped>> ArrivedAsync(string hostId, long last) =>
        UntilAsync(hostId, events => events.Select(e => e.Sequence).Distinct().Count() >= last);
}
