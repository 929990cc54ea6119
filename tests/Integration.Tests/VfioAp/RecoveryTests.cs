using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.Contracts;
using Apmatrix.VfioAp;
using Apmatrix.VfioAp.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Apmatrix.Integration.Tests.VfioAp;

/// <summary>
/// A VfioAp of its own, behind a <see cref="TcpProxy"/> to PostgreSQL or RabbitMQ that the test cuts mid-scan and
/// restores, or with a transaction that refuses one host's events: the scan must end exact, by itself, with only
/// the bad events in an error queue.
/// </summary>
[Collection("stack")]
public class Recovering_from_failures(StackFixture stack)
{
    [Fact]
    public async Task Should_end_the_scan_exact_when_the_database_is_unreachable_for_a_while()
    {
        await using var proxy = await TcpProxy.StartAsync("127.0.0.1", new NpgsqlConnectionStringBuilder(stack.Servers.PostgresAdmin).Port);
        await using var vfio = await OwnAsync("dbcut", builder => DatabaseThrough(builder, proxy));
        var (host, api, bus) = await HostWithGuestAsync(vfio);
        await using var _ = bus;
        var scan = BusEventSender.Scan(host, 1, "0-3", "0-3", "0-3");

        await bus.PublishAsync(scan.Take(6));
        proxy.Cut();
        await bus.PublishAsync(scan.Skip(6));
        using (var http = stack.Client(vfio.Url))
        using (var unavailable = await http.GetAsync($"/hosts/{host}"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
            Assert.Equal("5", unavailable.Headers.GetValues("Retry-After").Single());
            using var ready = await http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var database = Check(await ready.Content.ReadFromJsonAsync<JsonElement>(), "database");
            Assert.Equal("Unhealthy", database.GetProperty("status").GetString());
            Assert.Equal("PostgreSQL does not answer", database.GetProperty("description").GetString());
        }
        // How long the database stays away; what is asserted comes after, by waiting on the state.
        await Task.Delay(TimeSpan.FromSeconds(12));
        proxy.Restore();

        var shown = await api.UntilAppliedAsync(scan.Count);
        Assert.Equal(16, shown.GetProperty("boundQueues").GetInt32());
        Assert.Equal(0, shown.GetProperty("pendingEvents").GetInt32());
        Assert.Empty(await ErrorsAsync(bus, vfio.QueuePrefix));
    }

    [Fact]
    public async Task Should_wait_at_start_for_a_database_that_does_not_answer_and_start_once_it_does()
    {
        await using var proxy = await TcpProxy.StartAsync("127.0.0.1", new NpgsqlConnectionStringBuilder(stack.Servers.PostgresAdmin).Port);
        proxy.Cut();
        var log = new LogLines();
        var url = new Uri($"http://127.0.0.1:{StackFixture.FreePort()}");
        var starting = OwnAsync("dbdown", builder =>
        {
            DatabaseThrough(builder, proxy);
            builder.WebHost.UseUrls(url.ToString());
            builder.Logging.AddProvider(log);
        });

        await Eventually.TrueAsync(() => Task.FromResult(log.Lines.Any(l => l.Text.Contains("does not answer"))), "the line saying PostgreSQL does not answer");
        var waiting = Assert.Single(log.Lines, l => l.Text.Contains("does not answer"));
        Assert.Equal(LogLevel.Warning, waiting.Level);
        Assert.Null(waiting.Exception);
        Assert.Contains($"PostgreSQL at 127.0.0.1:{proxy.Port} does not answer", waiting.Text);
        var database = Check(await AliveButStartingAsync(url), "database");
        Assert.Equal("Unhealthy", database.GetProperty("status").GetString());
        Assert.Equal("PostgreSQL does not answer", database.GetProperty("description").GetString());
        Assert.False(starting.IsCompleted);

        proxy.Restore();
        await using var vfio = await starting.WaitAsync(TimeSpan.FromSeconds(60));
        var api = new VfioApi(stack.Client(vfio.Url), VfioApi.NewHost());
        await VfioApi.SucceedsAsync(api.DefineAsync("batched"));
    }

    [Fact]
    public async Task Should_wait_at_start_for_a_broker_that_does_not_answer_and_start_once_it_does()
    {
        var broker = stack.Servers.Broker("vfioap");
        await using var proxy = await TcpProxy.StartAsync("127.0.0.1", broker.Port);
        proxy.Cut();
        var url = new Uri($"http://127.0.0.1:{StackFixture.FreePort()}");
        var starting = OwnAsync("mqdown", builder =>
        {
            BrokerThrough(builder, broker, proxy);
            builder.WebHost.UseUrls(url.ToString());
        });

        // How long the broker stays away at start: long enough for a few connection attempts to fail.
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.False(starting.IsCompleted, starting.Exception?.ToString());
        Assert.Equal("Healthy", Check(await AliveButStartingAsync(url), "database").GetProperty("status").GetString());

        proxy.Restore();
        await using var vfio = await starting.WaitAsync(TimeSpan.FromSeconds(90));
        var (host, api, bus) = await HostWithGuestAsync(vfio);
        await using var _ = bus;
        var scan = BusEventSender.Scan(host, 1, "0-3", "0-3", "0-3");
        await bus.PublishAsync(scan);
        Assert.Equal(16, (await api.UntilAppliedAsync(scan.Count)).GetProperty("boundQueues").GetInt32());
    }

    [Fact]
    public async Task Should_publish_again_and_end_the_scan_exact_when_the_broker_connection_is_cut()
    {
        var broker = stack.Servers.Broker("vfioap");
        await using var proxy = await TcpProxy.StartAsync("127.0.0.1", broker.Port);
        await using var vfio = await OwnAsync("mqcut", builder => BrokerThrough(builder, broker, proxy));
        var (host, api, bus) = await HostWithGuestAsync(vfio);
        await using var _ = bus;
        var scan = BusEventSender.Scan(host, 1, "0-3", "0-3", "0-3");

        await bus.PublishAsync(scan.Take(6));
        proxy.Cut();
        await bus.PublishAsync(scan.Skip(6));
        // How long the broker stays away from this service; what is asserted comes after, by waiting on the state.
        await Task.Delay(TimeSpan.FromSeconds(4));
        proxy.Restore();

        var shown = await api.UntilAppliedAsync(scan.Count);
        Assert.Equal(16, shown.GetProperty("boundQueues").GetInt32());
        // The guest's acknowledgement proves both ways work again: the outbox published ApplyApcbs, the ack was consumed.
        await Eventually.TrueAsync(async () => (await api.GuestsAsync()).EnumerateArray().Single().GetProperty("acknowledgedVersion").GetInt64() >= 1,
            "the guest's update acknowledged");
        Assert.Empty(await ErrorsAsync(bus, vfio.QueuePrefix));
    }

    [Fact]
    public async Task Should_put_only_the_bad_events_in_the_error_queue_and_apply_the_rest_of_their_batches()
    {
        var poison = $"it-poison-{Guid.NewGuid():N}";
        await using var vfio = await OwnAsync("poison", builder =>
            builder.Services.ConfigureDbContext<VfioApDbContext>(options => options.AddInterceptors(new RefuseHost(poison))));
        var (host, api, bus) = await HostWithGuestAsync(vfio);
        await using var _ = bus;
        var scan = BusEventSender.Scan(host, 1, "0-3", "0-3", "0-3");
        List<IBusEvent> mixed = [.. scan.Take(9)];
        // Refused by the check before batching, and refused by the database inside the batch's transaction.
        mixed.Add(new QueueProbed(new string('h', 300), 1, null, "01.0002", BoundDriver.VfioAp));
        mixed.Add(new QueueProbed(poison, 1, null, "01.0002", BoundDriver.VfioAp));
        mixed.Add(new QueueProbed(poison, 2, null, "01.0003", BoundDriver.VfioAp));
        mixed.AddRange(scan.Skip(9));

        await bus.PublishAsync(mixed);

        var shown = await api.UntilAppliedAsync(scan.Count);
        Assert.Equal(16, shown.GetProperty("boundQueues").GetInt32());
        var faulted = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            faulted.AddRange(await ErrorsAsync(bus, vfio.QueuePrefix));
            return faulted.Count >= 3;
        }, "the three bad events in the lanes' _error queues");
        Assert.Equal(3, faulted.Count);
        Assert.Equal(2, faulted.Count(body => body.Contains(poison)));
        Assert.DoesNotContain(faulted, body => body.Contains(host));
    }

    /// <summary>
    /// A service waiting at start answers <c>/health/live</c>, is not ready, and refuses its API as starting (503, try again);
    /// the readiness answer is returned.
    /// </summary>
    async Task<JsonElement> AliveButStartingAsync(Uri url)
    {
        using var http = stack.Client(url);
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                using var live = await http.GetAsync("/health/live");
                return live.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "an answer to /health/live while the service waits at start");
        using var api = await http.GetAsync("/hosts");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, api.StatusCode);
        Assert.Equal("5", api.Headers.GetValues("Retry-After").Single());
        var problem = await api.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("unavailable", problem.GetProperty("kind").GetString());
        Assert.Equal("The service is starting", problem.GetProperty("title").GetString());
        using var ready = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var readiness = await ready.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Unhealthy", Check(readiness, "serving").GetProperty("status").GetString());
        return readiness;
    }

    static JsonElement Check(JsonElement readiness, string name) =>
        readiness.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    async Task<OwnVfioAp> OwnAsync(string name, Action<WebApplicationBuilder> configure) =>
        new(await stack.StartOwnAsync(VfioApApp.Build, "vfioap", name, configure), $"{stack.QueuePrefix}{name}-");

    /// <summary>This VfioAp's database connections go through <paramref name="proxy"/>.</summary>
    static void DatabaseThrough(WebApplicationBuilder builder, TcpProxy proxy) =>
        builder.Configuration["ConnectionStrings:Postgres"] =
            new NpgsqlConnectionStringBuilder(builder.Configuration["ConnectionStrings:Postgres"]) { Host = "127.0.0.1", Port = proxy.Port }.ConnectionString;

    /// <summary>This VfioAp's broker connections go through <paramref name="proxy"/>.</summary>
    static void BrokerThrough(WebApplicationBuilder builder, Uri broker, TcpProxy proxy) =>
        builder.Configuration["ConnectionStrings:RabbitMq"] = new UriBuilder(broker) { Host = "127.0.0.1", Port = proxy.Port }.Uri.ToString();

    async Task<(string Host, VfioApi Api, BusEventSender Bus)> HostWithGuestAsync(OwnVfioAp vfio)
    {
        var host = VfioApi.NewHost();
        var api = new VfioApi(stack.Client(vfio.Url), host);
        await VfioApi.SucceedsAsync(api.DefineAsync("batched"));
        await api.MdevAsync("m1", [1, 2], [1, 2], guest: "g1");
        return (host, api, await BusEventSender.OpenAsync(stack.Servers));
    }

    static async Task<List<string>> ErrorsAsync(BusEventSender bus, string queuePrefix) =>
        [.. await bus.DrainLaneErrorsAsync(queuePrefix), .. await bus.DrainAsync($"{queuePrefix}apcbs-applied_error")];

    sealed class OwnVfioAp(WebApplication app, string queuePrefix) : IAsyncDisposable
    {
        public Uri Url { get; } = new(app.Urls.First());
        public string QueuePrefix => queuePrefix;

        public async ValueTask DisposeAsync()
        {
            await app.ShutDownAsync();
        }
    }

    /// <summary>Refuses, as PostgreSQL refuses a value it cannot store, every statement that touches one host.</summary>
    sealed class RefuseHost(string hostId) : DbCommandInterceptor
    {
        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken)
        {
            Refuse(command);
            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<int> result, CancellationToken cancellationToken)
        {
            Refuse(command);
            return ValueTask.FromResult(result);
        }

        void Refuse(DbCommand command)
        {
            foreach (DbParameter parameter in command.Parameters)
                if (parameter.Value is string one && one == hostId || parameter.Value is string[] many && many.Contains(hostId))
                    throw new PostgresException("injected by the test", "ERROR", "ERROR", PostgresErrorCodes.CharacterNotInRepertoire);
        }
    }
}
