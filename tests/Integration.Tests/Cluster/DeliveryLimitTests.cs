using System.Globalization;
using System.Text;
using Apmatrix.Hosting;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace Apmatrix.Integration.Tests.Cluster;

/// <summary>
/// A quorum queue as <see cref="BrokerTopology"/> declares it (a quorum queue works on one node too, so this runs on the
/// test broker): a message returned to it more often than the delivery limit is dead-lettered, not dropped.
/// </summary>
public sealed class DeliveryLimitTests
{
    [Fact]
    public async Task Should_dead_letter_a_message_returned_more_often_than_the_limit()
    {
        await using var rig = await QuorumQueue.DeclareAsync("limited", deliveryLimit: 2);
        var (queue, channel, deadLetters) = (rig.Name, rig.Channel, rig.Topology.DeadLetters);

        await channel.BasicPublishAsync("", queue, false, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes("returned"));
        // A nack is applied through the quorum's log: the message is briefly in neither queue, so each look tries both.
        var deliveries = 0;
        var dead = await Eventually.ReadAsync(async () =>
            {
                if (await channel.BasicGetAsync(queue, autoAck: false) is { } delivery)
                {
                    deliveries++;
                    await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true);
                }
                return await channel.BasicGetAsync(deadLetters, autoAck: true);
            }, d => d is not null, $"the message in {deadLetters}");

        Assert.Equal(3, deliveries);
        Assert.Equal("returned", Encoding.UTF8.GetString(dead!.Body.Span));
    }

    [Fact]
    public async Task Should_keep_a_dead_letter_and_its_publisher_however_often_it_is_looked_at()
    {
        // The _error queue as MassTransit makes it on a first fault: its receive queue's arguments, its own exchange.
        await using var rig = await QuorumQueue.DeclareAsync("limited" + DeadLetterQueues.Error, deliveryLimit: 2);
        var errors = rig.Name;
        var moved = new BasicProperties { Persistent = true, Headers = new Dictionary<string, object?> { [Publishers.Header] = "apbus" } };
        await rig.Channel.BasicPublishAsync(errors, "", false, moved, Encoding.UTF8.GetBytes("{}"));
        var broker = rig.Broker(rig.Prefix + "limited");

        // Six looks, each a delivery: three times the limit. A return applies through the quorum's log, so a look may come too soon.
        for (var look = 1; look <= 6; look++)
        {
            var (_, oldest) = await Eventually.ReadAsync(() => broker.PeekAsync(errors, 10, CancellationToken.None), p => p.Oldest.Count == 1,
                $"look {look} to find the message in {errors}");
            Assert.Equal("apbus", oldest[0].Publisher);
        }
        Assert.Equal(0u, (await rig.Channel.QueueDeclarePassiveAsync(rig.Topology.DeadLetters)).MessageCount);
    }

    [Fact]
    public async Task Should_redrive_this_services_dead_letters_past_another_services()
    {
        await using var rig = await QuorumQueue.DeclareAsync("limited");
        var (home, channel, deadLetters) = (rig.Name, rig.Channel, rig.Topology.DeadLetters);

        // Another service's dead letter first, then two of ours, then another of theirs, as the broker dead-letters them.
        foreach (var (died, body) in new[] { ("other-queue", "theirs-1"), (home, "ours-1"), (home, "ours-2"), ("other-queue", "theirs-2") })
            await channel.BasicPublishAsync(deadLetters, "", false,
                new BasicProperties { Persistent = true, Headers = new Dictionary<string, object?> { [DeadLetterMessage.FirstDeathQueue] = died } },
                Encoding.UTF8.GetBytes(body));
        await Eventually.ReadAsync(async () => (await channel.QueueDeclarePassiveAsync(deadLetters)).MessageCount, n => n == 4,
            "the four dead letters in the queue");
        var broker = rig.Broker(home);
        var (moved, remaining) = await broker.RedriveAsync(deadLetters, null, CancellationToken.None);

        Assert.Equal(2, moved);
        Assert.Equal(2u, remaining);
        var back = new List<string>();
        while (back.Count < 2)
            if (await channel.BasicGetAsync(home, autoAck: true) is { } message) back.Add(Encoding.UTF8.GetString(message.Body.Span));
        Assert.Equal(["ours-1", "ours-2"], back);
        // Theirs stay, in their order, for the other service to re-drive.
        var (_, left) = await Eventually.ReadAsync(() => broker.PeekAsync(deadLetters, 10, CancellationToken.None), p => p.Oldest.Count == 2,
            "their two dead letters back in the queue");
        Assert.Equal(["\"theirs-1\"", "\"theirs-2\""], left.Select(m => m.Body.GetRawText()));
    }

    /// <summary>
    /// One quorum queue on the test broker as <see cref="BrokerTopology"/> declares it, under a prefix of the test's own, and
    /// a channel to it; at the end the queue and the dead letters go with their exchanges.
    /// </summary>
    sealed class QuorumQueue(ServerFixture servers, IConfiguration configuration, BrokerTopology topology, string prefix, string name,
        IConnection connection, IChannel channel) : IAsyncDisposable
    {
        public BrokerTopology Topology => topology;
        public string Prefix => prefix;
        public string Name => name;
        public IChannel Channel => channel;

        public static async Task<QuorumQueue> DeclareAsync(string suffix, int? deliveryLimit = null)
        {
            var servers = new ServerFixture();
            await servers.StartAsync();
            var prefix = $"it-{Guid.NewGuid():N}"[..11] + "-";
            List<KeyValuePair<string, string?>> settings =
                [new("Messaging:QuorumQueues", "true"), new("Messaging:QueuePrefix", prefix), new("ConnectionStrings:RabbitMq", servers.RabbitMq.ToString())];
            if (deliveryLimit is { } limit) settings.Add(new("Messaging:DeliveryLimit", limit.ToString(CultureInfo.InvariantCulture)));
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            var topology = BrokerTopology.From(configuration);
            await DeliveryLimitTests.DeclareAsync(servers.RabbitMq, topology, prefix + suffix);
            var connection = await new ConnectionFactory { Uri = servers.RabbitMq }.CreateConnectionAsync();
            return new QuorumQueue(servers, configuration, topology, prefix, prefix + suffix, connection, await connection.CreateChannelAsync());
        }

        /// <summary>This service's dead letters, <paramref name="home"/> its one receive queue.</summary>
        public DeadLetterBroker Broker(string home)
        {
            var queues = new DeadLetterQueues(topology);
            queues.Configure(home, null!);
            return new DeadLetterBroker(configuration, topology, queues);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var queue in new[] { name, topology.DeadLetters })
            {
                await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
                await channel.ExchangeDeleteAsync(queue, ifUnused: false);
            }
            await channel.DisposeAsync();
            await connection.DisposeAsync();
            await servers.DisposeAsync();
        }
    }

    public sealed record Limited;

    /// <summary>Starts and stops a bus with one endpoint on <paramref name="queue"/>, which declares the queue, its dead-letter exchange and queue.</summary>
    static async Task DeclareAsync(Uri broker, BrokerTopology topology, string queue)
    {
        await using var provider = new ServiceCollection().AddMassTransit(bus =>
        {
            bus.DisableUsageTelemetry();
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(broker, topology.ConfigureHost);
                rabbit.ReceiveEndpoint(queue, e =>
                {
                    topology.ConfigureQueue(context, queue, e);
                    e.Handler<Limited>(_ => Task.CompletedTask);
                });
            });
        }).BuildServiceProvider();
        var control = provider.GetRequiredService<IBusControl>();
        await control.StartAsync(TimeSpan.FromSeconds(30));
        await control.StopAsync(TimeSpan.FromSeconds(30));
    }
}
