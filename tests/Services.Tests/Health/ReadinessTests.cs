using Apmatrix.Hosting;
using Apmatrix.VfioAp.Health;
using Apmatrix.VfioAp.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace Apmatrix.Services.Tests.Health;

/// <summary>The readiness verdicts and the decisions behind them, fed figures and times directly.</summary>
public class ReadinessTests
{
    static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void An_empty_or_young_outbox_is_healthy_and_an_old_one_names_its_age()
    {
        Assert.Equal(HealthStatus.Healthy, Readiness.OutboxAge(null, TimeSpan.FromSeconds(60)).Status);
        Assert.Equal(HealthStatus.Healthy, Readiness.OutboxAge(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(60)).Status);
        var old = Readiness.OutboxAge(TimeSpan.FromSeconds(61), TimeSpan.FromSeconds(60));
        Assert.Equal(HealthStatus.Unhealthy, old.Status);
        Assert.Contains("waiting 61s", old.Description);
    }

    [Fact]
    public void A_check_failing_because_PostgreSQL_or_the_broker_does_not_answer_says_which_and_another_keeps_its_own_words()
    {
        // EF Core's wrapper of a refused connection, as a check's query throws it during an outage.
        var outage = new InvalidOperationException("An exception has been raised that is likely due to a transient failure.",
            new Npgsql.NpgsqlException("Failed to connect to 127.0.0.1:5432", new System.Net.Sockets.SocketException(111)));
        var other = new InvalidOperationException("a bug");
        var brokerOutage = new MassTransit.RabbitMqConnectionException("Connect failed: guest@127.0.0.1:5672/",
            new RabbitMQ.Client.Exceptions.BrokerUnreachableException(new System.Net.Sockets.SocketException(111)));
        var socketAlone = new IOException("unexplained", new System.Net.Sockets.SocketException(111));

        Assert.Equal("PostgreSQL does not answer", Readiness.Describe(Failed(outage)));
        Assert.Equal("the broker does not answer", Readiness.Describe(Failed(brokerOutage)));
        Assert.Equal("unexplained", Readiness.Describe(Failed(socketAlone)));
        Assert.Equal("a bug", Readiness.Describe(Failed(other)));
        Assert.Equal("outbox empty", Readiness.Describe(new HealthReportEntry(HealthStatus.Healthy, "outbox empty", TimeSpan.Zero, null, null)));

        // As the health service records a check that threw: its message as the description.
        static HealthReportEntry Failed(Exception e) => new(HealthStatus.Unhealthy, e.Message, TimeSpan.Zero, e, null);
    }

    [Fact]
    public async Task Before_its_migrations_a_service_is_not_ready_and_reads_no_table()
    {
        // No DbContext is registered: a read of the outbox would fail on that, not answer.
        await using var services = new ServiceCollection().AddMetrics().AddLogging()
            .AddSingleton<IHostEnvironment>(new HostingEnvironment { ApplicationName = "test" })
            .AddSingleton<DatabaseSchema<VfioApDbContext>>().AddOutboxBacklog<VfioApDbContext>()
            .Configure<HealthOptions>(_ => { }).BuildServiceProvider();
        var check = ActivatorUtilities.CreateInstance<OutboxAgeCheck<VfioApDbContext>>(services);

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("the database's migrations are being applied", result.Description);
        var read = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            services.GetRequiredService<MetricsOutbox<VfioApDbContext>>().Backlog.ReadAsync(CancellationToken.None));
        Assert.Equal(result.Description, read.Message);
    }

    [Fact]
    public void An_outbox_waits_on_its_oldest_row_only_while_that_row_stays_the_oldest()
    {
        var head = new OutboxHead();

        // Seen first with a row already 5 s old: its age counts, up to how long it has been seen.
        Assert.Equal(TimeSpan.Zero, head.Observe(7, TimeSpan.FromSeconds(5), T0));
        Assert.Equal(TimeSpan.FromSeconds(3), head.Observe(7, TimeSpan.FromSeconds(8), T0.AddSeconds(3)));
        // A backlog published in turn: its oldest row changes, however old each is.
        Assert.Equal(TimeSpan.Zero, head.Observe(8, TimeSpan.FromSeconds(90), T0.AddSeconds(30)));
        Assert.Equal(TimeSpan.Zero, head.Observe(9, TimeSpan.FromSeconds(20), T0.AddSeconds(40)));
        // Nothing published past row 9 for a minute: stuck.
        Assert.Equal(TimeSpan.FromSeconds(60), head.Observe(9, TimeSpan.FromSeconds(150), T0.AddSeconds(100)));
        Assert.Null(head.Observe(null, null, T0.AddSeconds(101)));
        Assert.Equal(TimeSpan.Zero, head.Observe(9, TimeSpan.FromSeconds(151), T0.AddSeconds(101)));
    }

    [Fact]
    public void A_queue_without_consumer_is_restarted_only_after_the_limit_and_then_waits_a_full_limit_again()
    {
        var watch = new ConsumerWatch(TimeSpan.FromSeconds(30));
        Assert.False(watch.Observe("q", 1, T0));
        Assert.False(watch.Observe("q", 0, T0.AddSeconds(1)));
        Assert.False(watch.Observe("q", 0, T0.AddSeconds(31)));
        Assert.Equal(ConsumerState.Missing, watch.States["q"]);
        Assert.True(watch.Observe("q", 0, T0.AddSeconds(32)));
        Assert.False(watch.Observe("q", 0, T0.AddSeconds(40)));
        Assert.True(watch.Observe("q", 0, T0.AddSeconds(63)));
    }

    [Fact]
    public void The_missing_clock_starts_again_when_the_broker_was_unreachable_or_a_consumer_came_back()
    {
        var watch = new ConsumerWatch(TimeSpan.FromSeconds(30));
        watch.Observe("q", 0, T0);
        Assert.False(watch.Observe("q", null, T0.AddSeconds(20)));
        Assert.Equal(ConsumerState.BrokerUnreachable, watch.States["q"]);
        Assert.False(watch.Observe("q", 0, T0.AddSeconds(40)));
        Assert.False(watch.Observe("q", 2, T0.AddSeconds(60)));
        Assert.False(watch.Observe("q", 0, T0.AddSeconds(80)));
        Assert.True(watch.Observe("q", 0, T0.AddSeconds(111)));
    }

    [Fact]
    public void Consumers_are_unhealthy_naming_the_queues_without_one()
    {
        var result = Readiness.Consumers(new Dictionary<string, ConsumerState>
        {
            ["apply-apcbs"] = ConsumerState.Consuming, ["queue-probed"] = ConsumerState.Missing, ["scan-complete"] = ConsumerState.Missing,
        });
        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("no consumer on the broker for queue(s) queue-probed, scan-complete", result.Description);
        Assert.Equal(HealthStatus.Healthy, Readiness.Consumers(new Dictionary<string, ConsumerState> { ["q"] = ConsumerState.Consuming }).Status);
    }

    [Fact]
    public void A_host_is_stalled_only_when_it_has_not_advanced_past_the_limit_and_names_its_gap()
    {
        var hosts = new StalledHosts(TimeSpan.FromSeconds(60));
        Assert.Equal(HealthStatus.Healthy, hosts.Observe([new ParkedHost("h1", 4, 7)], T0).Status);
        Assert.Equal(HealthStatus.Healthy, hosts.Observe([new ParkedHost("h1", 4, 7)], T0.AddSeconds(60)).Status);
        var stalled = hosts.Observe([new ParkedHost("h1", 4, 7)], T0.AddSeconds(61));
        Assert.Equal(HealthStatus.Unhealthy, stalled.Status);
        Assert.Contains("h1 waits for event 5 (parked from 7)", stalled.Description);
    }

    [Fact]
    public void A_host_that_advances_or_drains_its_parked_events_is_not_stalled()
    {
        var hosts = new StalledHosts(TimeSpan.FromSeconds(60));
        hosts.Observe([new ParkedHost("h1", 4, 7)], T0);
        Assert.Equal(HealthStatus.Healthy, hosts.Observe([new ParkedHost("h1", 5, 7)], T0.AddSeconds(61)).Status);
        Assert.Equal(HealthStatus.Healthy, hosts.Observe([], T0.AddSeconds(100)).Status);
        Assert.Equal(HealthStatus.Healthy, hosts.Observe([new ParkedHost("h1", 5, 7)], T0.AddSeconds(150)).Status);
    }

    [Fact]
    public void A_repeated_failure_is_logged_once_per_interval_with_the_count_held_back()
    {
        var throttle = new LogThrottle(TimeSpan.FromSeconds(60));
        Assert.True(throttle.ShouldLog("k", T0, out var held));
        Assert.Equal(0, held);
        Assert.False(throttle.ShouldLog("k", T0.AddSeconds(5), out _));
        Assert.False(throttle.ShouldLog("k", T0.AddSeconds(59), out _));
        Assert.True(throttle.ShouldLog("other", T0.AddSeconds(59), out _));
        Assert.True(throttle.ShouldLog("k", T0.AddSeconds(60), out held));
        Assert.Equal(2, held);
        throttle.Reset("k");
        Assert.True(throttle.ShouldLog("k", T0.AddSeconds(61), out _));
    }
}
