using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.ApBus;
using Apmatrix.Hosting;
using Apmatrix.Integration.Tests.ApBus;
using Apmatrix.Integration.Tests.VfioAp;
using Apmatrix.VfioAp;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Apmatrix.Integration.Tests.Health;

/// <summary>
/// <c>/health/ready</c> answers 503 naming the check and its reason while something is wrong, and 200 again once the
/// service has got over it by itself: a stalled host, an outbox that cannot reach the broker, a queue without consumer.
/// </summary>
[Collection("stack")]
public class Readiness_tells_the_truth(StackFixture stack)
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Should_name_a_host_stalled_at_a_gap_until_the_gap_fills()
    {
        var app = await stack.StartOwnAsync(VfioApApp.Build, "vfioap", "stall",
            builder => Settings(builder, ("Health:StalledHostAfter", "00:00:01")));
        try
        {
            var host = VfioApi.NewHost();
            using var http = stack.Client(new Uri(app.Urls.First()));
            using var api = new VfioApi(http, host);
            await using var bus = await BusEventSender.OpenAsync(stack.Servers);
            var scan = BusEventSender.Scan(host, 1, "1", "1-2", "");

            await bus.PublishAsync(scan[0], scan[2], scan[3]);
            var stalled = await UntilAsync(http, "stalled-hosts", "Unhealthy");
            Assert.Contains($"{host} waits for event 2 (parked from 3)", Describe(stalled, "stalled-hosts"));

            await bus.PublishAsync(scan[1]);
            await api.UntilAppliedAsync(4);
            await UntilReadyAsync(http);
        }
        finally
        {
            await app.ShutDownAsync();
        }
    }

    /// <summary>The broker gone (connections reset), or there and silent (connections up, publishes taken, no confirm back).</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Should_keep_the_outbox_rows_the_broker_has_not_confirmed_say_so_and_publish_them_once_it_is_back(bool silent)
    {
        await using var proxy = await TcpProxy.StartAsync(stack.Servers.RabbitMq.Host, stack.Servers.RabbitMq.Port);
        var broker = new UriBuilder(stack.Servers.Broker("apbus")) { Port = proxy.Port }.Uri;
        var app = await stack.StartOwnAsync(ApBusApp.Build, "apbus", silent ? "unconfirmed" : "outbox", builder => Settings(builder,
            ("ConnectionStrings:RabbitMq", broker.ToString()), ("Health:OutboxMaxAge", "00:00:02"), ("Messaging:PublishTimeout", "00:00:01")));
        try
        {
            using var http = stack.Client(new Uri(app.Urls.First()));
            using var bus = new BusApi(stack.Client(new Uri(app.Urls.First())), $"it-health-{Guid.NewGuid():N}");
            await UntilReadyAsync(http);

            if (silent) proxy.Hold();
            else proxy.Cut();
            using (var defined = await bus.DefineAsync(new { apm = "1", aqm = "1-2", adm = "" }))
                Assert.Equal(HttpStatusCode.Created, defined.StatusCode);
            var old = await UntilAsync(http, "outbox", "Unhealthy");
            Assert.Contains("messages are not reaching the broker", Describe(old, "outbox"));
            // ApBus stays ready without the broker, so that check only says why; a silent broker keeps its connections.
            Assert.Equal(("Healthy", silent ? BrokerCheck.Connected : BrokerCheck.NotAnswering), (Status(old, "broker"), Describe(old, "broker")));

            proxy.Restore();
            await UntilReadyAsync(http);
            var (_, back) = await ReadyAsync(http);
            Assert.Equal(BrokerCheck.Connected, Describe(back, "broker"));
        }
        finally
        {
            await app.ShutDownAsync();
        }
    }

    /// <summary>
    /// The broker stops confirming on ApBus's connection while it stays up (heartbeats flow): the outbox's publishes time
    /// out twice, ApBus drops its broker connections, and on the new ones the rows are confirmed and the outbox empties.
    /// </summary>
    [Fact]
    public async Task Should_open_new_broker_connections_when_publishes_are_no_longer_confirmed()
    {
        await using var proxy = await TcpProxy.StartAsync(stack.Servers.RabbitMq.Host, stack.Servers.RabbitMq.Port, amqp: true);
        var broker = new UriBuilder(stack.Servers.Broker("apbus")) { Port = proxy.Port }.Uri;
        var log = new LogLines();
        var app = await stack.StartOwnAsync(ApBusApp.Build, "apbus", "noconfirm", builder =>
        {
            Settings(builder, ("ConnectionStrings:RabbitMq", broker.ToString()), ("Health:OutboxMaxAge", "00:00:01"), ("Messaging:PublishTimeout", "00:00:02"));
            builder.Logging.AddProvider(log);
        });
        try
        {
            using var http = stack.Client(new Uri(app.Urls.First()));
            var host = $"it-health-{Guid.NewGuid():N}";
            using var bus = new BusApi(stack.Client(new Uri(app.Urls.First())), host);
            await UntilReadyAsync(http);

            proxy.ConfirmNothing();
            var last = await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "1", aqm = "1-2", adm = "" }));
            var old = await UntilAsync(http, "outbox", "Unhealthy");
            Assert.Contains("messages are not reaching the broker", Describe(old, "outbox"));

            await UntilReadyAsync(http);
            using var vfio = new VfioApi(stack.Client(stack.VfioAp), host);
            await vfio.UntilAppliedAsync(last);
            // Each outbox lane that tried the host's rows says why its first try failed, without a stack.
            var failing = log.Lines.Where(l => l.Text.Contains("publishing the outbox")).ToList();
            Assert.Contains(failing, l => l.Text.Contains("is failing (the broker did not confirm the batch within 00:00:02)"));
            Assert.All(failing, l => Assert.Null(l.Exception));
        }
        finally
        {
            await app.ShutDownAsync();
        }
    }

    [Fact]
    public async Task Should_restart_an_endpoint_that_has_no_consumer_on_the_broker()
    {
        var endpoints = new EndpointGrabber();
        var app = await stack.StartOwnAsync(VfioApApp.Build, "vfioap", "noconsumer", builder =>
        {
            Settings(builder, ("Health:ConsumerMissingAfter", "00:00:02"), ("Health:ConsumerPollEvery", "00:00:00.200"));
            builder.Services.AddReceiveEndpointObserver(_ => endpoints);
        });
        try
        {
            var host = VfioApi.NewHost();
            using var http = stack.Client(new Uri(app.Urls.First()));
            using var api = new VfioApi(http, host);
            await using var bus = await BusEventSender.OpenAsync(stack.Servers);
            await UntilReadyAsync(http);

            // What the operators saw: a queue left without a consumer; here every lane's endpoint is stopped behind the service's back.
            foreach (var lane in BusEventLanes.Queues(""))
                await endpoints.Get(lane).Stop();
            var missing = await UntilAsync(http, "consumers", "Unhealthy");
            Assert.Contains("bus-events-", Describe(missing, "consumers"));

            await UntilReadyAsync(http);
            await bus.PublishAsync(BusEventSender.Scan(host, 1, "1", "1-2", ""));
            Assert.Equal(2, (await api.UntilAppliedAsync(4)).GetProperty("boundQueues").GetInt32());
        }
        finally
        {
            await app.ShutDownAsync();
        }
    }

    /// <summary>
    /// A cluster whose first node, the connection string's host, is down: MassTransit moves to the next node, and so must
    /// the watchdog's own connection, or readiness says the broker does not answer while the service consumes as usual.
    /// </summary>
    [Fact]
    public async Task Should_ask_the_next_node_for_consumers_when_the_first_is_down()
    {
        var down = ClosedPort();
        var live = stack.Servers.RabbitMq;
        var app = await stack.StartOwnAsync(VfioApApp.Build, "vfioap", "firstdown", builder => Settings(builder,
            ("ConnectionStrings:RabbitMq", new UriBuilder(stack.Servers.Broker("vfioap")) { Port = down }.Uri.ToString()),
            ("Messaging:Nodes", $"127.0.0.1:{down},{live.Host}:{live.Port}"), ("Messaging:QuorumQueues", "false"),
            ("Health:ConsumerPollEvery", "00:00:00.200")));
        try
        {
            using var http = stack.Client(new Uri(app.Urls.First()));
            var (code, body) = await Eventually.ReadAsync(() => ReadyAsync(http),
                r => Describe(r.Body, "consumers").EndsWith("queue(s) have a consumer", StringComparison.Ordinal), "every queue's consumers counted",
                Patience, r => r.Body.ToString());
            Assert.Equal(HttpStatusCode.OK, code);
            Assert.Equal("Healthy", Status(body, "consumers"));
        }
        finally
        {
            await app.ShutDownAsync();
        }
    }

    /// <summary>Once asked to stop, a service is not ready and its APIs say so, while its server still finishes what it took.</summary>
    [Fact]
    public async Task Should_say_stopping_and_not_ready_once_asked_to_stop()
    {
        var app = await stack.StartOwnAsync(VfioApApp.Build, "vfioap", "stopping", _ => { });
        try
        {
            using var http = stack.Client(new Uri(app.Urls.First()));
            var (before, _) = await ReadyAsync(http);
            Assert.Equal(HttpStatusCode.OK, before);

            // Started with StartAsync, the host only raises ApplicationStopping here; its server runs until the test ends it.
            app.Lifetime.StopApplication();
            var (status, body) = await ReadyAsync(http);
            using var api = await http.GetAsync("/hosts");
            using var live = await http.GetAsync("/health/live");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal(("Unhealthy", "stopping"), (Status(body, "serving"), Describe(body, "serving")));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, api.StatusCode);
            Assert.Equal("The service is stopping", (await api.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        finally
        {
            await app.ShutDownAsync();
        }
    }

    /// <summary>A loopback port nothing listens on: taken from the system, then let go.</summary>
    static int ClosedPort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    static void Settings(WebApplicationBuilder builder, params (string Key, string Value)[] settings) =>
        builder.Configuration.AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)));

    static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/health/ready");
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    static string Status(JsonElement body, string check) =>
        body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == check).GetProperty("status").GetString()!;

    static string Describe(JsonElement body, string check) =>
        body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == check).GetProperty("description").GetString()!;

    /// <summary>Waits until <paramref name="check"/> has <paramref name="status"/>; a failing check must make the answer 503.</summary>
    static async Task<JsonElement> UntilAsync(HttpClient http, string check, string status)
    {
        var (code, body) = await Eventually.ReadAsync(() => ReadyAsync(http), r => Status(r.Body, check) == status,
            $"{check} {status}", Patience, r => r.Body.ToString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, code);
        return body;
    }

    static Task UntilReadyAsync(HttpClient http) =>
        Eventually.ReadAsync(() => ReadyAsync(http), r => r.Status == HttpStatusCode.OK, "ready (200)", Patience, r => r.Body.ToString());

    sealed class EndpointGrabber : IReceiveEndpointObserver
    {
        readonly Dictionary<string, IReceiveEndpoint> _endpoints = [];

        public IReceiveEndpoint Get(string queueSuffix)
        {
            lock (_endpoints) return _endpoints.Single(e => e.Key.EndsWith(queueSuffix, StringComparison.Ordinal)).Value;
        }

        public Task Ready(ReceiveEndpointReady ready)
        {
            lock (_endpoints) _endpoints[ready.InputAddress.Segments[^1]] = ready.ReceiveEndpoint;
            return Task.CompletedTask;
        }

        public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;
        public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;
        public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;
    }
}
