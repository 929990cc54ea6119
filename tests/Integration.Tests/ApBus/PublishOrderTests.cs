using Apmatrix.ApBus;
using Apmatrix.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Apmatrix.Integration.Tests.ApBus;

[Collection("stack")]
public class Publishing_on_new_broker_connections(StackFixture stack)
{
    /// <summary>
    /// After ApBus's broker connections drop, the first publishes of each change find no channel and no declared
    /// exchange: MassTransit makes them wait for both together and lets them go on in an order of the thread pool's.
    /// A host's events must still reach a subscriber in sequence order, each once.
    /// </summary>
    [Fact]
    public Task Should_send_a_host_s_events_in_order_when_its_publishes_wait_for_a_new_channel() =>
        WithOwnApBusAsync("reconnect", "0-7", async own =>
        {
            var (last, outbox) = (own.Defined, stack.OwnDatabase("apbus", "reconnect"));
            for (var round = 1; round <= 6; round++)
            {
                // Dropped once every row is confirmed and gone: what this test sees is the next change's publishes, not a re-send.
                await Eventually.TrueAsync(() => IsEmptyAsync(outbox), "ApBus's outbox emptied");
                Assert.True(own.Connections.Drop("a test's reconnection", TimeSpan.Zero) > 0);
                last = await BusApi.LastSequenceAsync(own.Bus.ConfigAsync(round % 2 == 1 ? "8-15" : "0-7", "0-7", ""));
                await own.Tap.UntilAsync(own.Host, events => events.Count >= last);
            }

            var arrived = await own.Tap.UntilAsync(own.Host, events => events.Count >= last);
            var order = arrived.Select(e => e.Sequence).ToList();
            Assert.True(Enumerable.Range(1, (int)last).Select(s => (long)s).SequenceEqual(order), Ranges(order));
        });

    /// <summary>
    /// Connections dropped while a change's publishes are in flight: what was not confirmed is sent again, and a host's
    /// events must still first reach a subscriber in sequence order, every one of them (repeats allowed).
    /// </summary>
    [Fact]
    public Task Should_first_deliver_a_host_s_events_in_order_when_connections_drop_mid_change() =>
        WithOwnApBusAsync("middrop", "0-15", async own =>
        {
            var last = own.Defined;
            for (var round = 1; round <= 4; round++)
            {
                var before = last;
                last = await BusApi.LastSequenceAsync(own.Bus.ConfigAsync(round % 2 == 1 ? "16-31" : "0-15", "0-15", ""));
                await own.Tap.UntilAsync(own.Host, events => events.Count > before + 40);
                own.Connections.Drop("a test's reconnection", TimeSpan.Zero);
                await own.Tap.ArrivedAsync(own.Host, last);
            }

            var arrived = await own.Tap.ArrivedAsync(own.Host, last);
            var seen = new HashSet<long>();
            var first = arrived.Select(e => e.Sequence).Where(seen.Add).ToList();
            Assert.True(Enumerable.Range(1, (int)last).Select(s => (long)s).SequenceEqual(first), Ranges(first));
        });

    /// <summary>An ApBus of the test's own, a tap on its exchanges, and a host it defined per queue, whose events have arrived.</summary>
    sealed record OwnApBus(WebApplication App, ExchangeTap Tap, BusApi Bus, string Host, long Defined)
    {
        public BrokerConnections Connections => App.Services.GetRequiredService<BrokerConnections>();
    }

    /// <summary>
    /// Runs <paramref name="test"/> on an ApBus of its own, whose broker connections it may drop (its events reach the
    /// stack's VfioAp), with a host on the adapters <paramref name="queues"/> and the same domains.
    /// </summary>
    async Task WithOwnApBusAsync(string name, string queues, Func<OwnApBus, Task> test)
    {
        // The publish timeout is longer than the test waits: publishes left waiting on a lost connection must be given up
        // because it was lost (BrokerConnections.Lost), not because they timed out.
        var app = await stack.StartOwnAsync(ApBusApp.Build, "apbus", name, builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Services:VfioAp"] = stack.VfioAp.ToString(), ["Messaging:PublishTimeout"] = "00:05:00",
            }));
        try
        {
            var host = BusEvents.NewHost();
            await using var tap = await ExchangeTap.OpenAsync(stack.Servers, BusEvents.Contracts);
            using var bus = new BusApi(stack.Client(new Uri(app.Urls.First())), host);
            var defined = await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = queues, aqm = queues, adm = "", eventForm = "per-queue" }));
            await tap.ArrivedAsync(host, defined);
            await test(new OwnApBus(app, tap, bus, host, defined));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    static async Task<bool> IsEmptyAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM outbox_messages", connection);
        return (long)(await count.ExecuteScalarAsync())! == 0;
    }

    static string Ranges(List<long> order)
    {
        var parts = new List<string>();
        for (var i = 0; i < order.Count;)
        {
            var j = i;
            while (j + 1 < order.Count && order[j + 1] == order[j] + 1) j++;
            parts.Add(i == j ? $"{order[i]}" : $"{order[i]}-{order[j]}");
            i = j + 1;
        }
        return string.Join(",", parts);
    }
}
