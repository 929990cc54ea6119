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
        await using var servers = new ServerFixture();
        await servers.StartAsync();
        var prefix = $"it-{Guid.NewGuid():N}"[..11] + "-";
        var queue = prefix + "limited";
        var topology = BrokerTopology.From(new ConfigurationBuilder().AddInMemoryCollection([
            new("Messaging:QuorumQueues", "true"), new("Messaging:DeliveryLimit", "2"), new("Messaging:QueuePrefix", prefix)]).Build());
        await DeclareAsync(servers.RabbitMq, topology, queue);

        var connection = await new ConnectionFactory { Uri = servers.RabbitMq }.CreateConnectionAsync();
        await using var _ = connection;
        await using var channel = await connection.CreateChannelAsync();
        try
        {
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
                    return await channel.BasicGetAsync(topology.DeadLetters, autoAck: true);
                }, d => d is not null, $"the message in {topology.DeadLetters}");

            Assert.Equal(3, deliveries);
            Assert.Equal("returned", Encoding.UTF8.GetString(dead!.Body.Span));
        }
        finally
        {
            foreach (var name in new[] { queue, topology.DeadLetters })
            {
                await channel.QueueDeleteAsync(name, ifUnused: false, ifEmpty: false);
                await channel.ExchangeDeleteAsync(name, ifUnused: false);
            }
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
