using System.Net;
using System.Net.Sockets;
using Apmatrix.Hosting;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Apmatrix.Services.Tests.Health;

/// <summary>A broker that does not answer is one outage for all the watched queues, not a warning per queue.</summary>
public class ConsumerWatchdogTests
{
    [Fact]
    public async Task A_broker_that_does_not_answer_is_one_warning_for_every_queue_and_readiness_names_them_all()
    {
        var log = new ListLogger<ConsumerWatchdog>();
        var watchdog = OnClosedPort(log);
        foreach (var queue in new[] { "bus-events-0", "bus-events-1", "apply-apcbs" })
            await watchdog.Ready(new Ready(new Uri($"rabbitmq://127.0.0.1/apmatrix/{queue}")));

        await watchdog.StartAsync(CancellationToken.None);
        HealthCheckResult health;
        do
        {
            await Task.Delay(50);
            health = await watchdog.CheckHealthAsync(new HealthCheckContext());
        } while (!health.Description!.Contains("apply-apcbs, bus-events-0, bus-events-1"));
        // Several more rounds on the unreachable broker.
        await Task.Delay(300);
        await watchdog.StopAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Equal("the broker does not answer for queue(s) apply-apcbs, bus-events-0, bus-events-1", health.Description);
        var warning = Assert.Single(log.Lines, l => l.Level >= LogLevel.Warning);
        Assert.Contains("asking the broker for the receive endpoints' consumers is failing", warning.Text);
    }

    [Fact]
    public async Task A_service_that_consumes_nothing_does_not_ask_the_broker_and_is_ready()
    {
        var log = new ListLogger<ConsumerWatchdog>();
        var watchdog = OnClosedPort(log);

        await watchdog.StartAsync(CancellationToken.None);
        // Many rounds on the unreachable broker, had it asked.
        await Task.Delay(300);
        await watchdog.StopAsync(CancellationToken.None);

        Assert.Equal(HealthStatus.Healthy, (await watchdog.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.Empty(log.Lines);
    }

    /// <summary>A watchdog polling every 20 ms a broker address where nothing listens.</summary>
    static ConsumerWatchdog OnClosedPort(ListLogger<ConsumerWatchdog> log) => new(new Uri($"amqp://guest:guest@127.0.0.1:{ClosedPort()}/"),
        BrokerTopology.From(new ConfigurationBuilder().Build()), Options.Create(new HealthOptions { ConsumerPollEvery = TimeSpan.FromMilliseconds(20) }),
        new LogThrottle(TimeSpan.FromMinutes(1)), TimeProvider.System, log);

    static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Only the address is read until an endpoint is restarted, which an unreachable broker never asks for.</summary>
    sealed record Ready(Uri InputAddress) : ReceiveEndpointReady
    {
        public IReceiveEndpoint ReceiveEndpoint => null!;
        public bool IsStarted => true;
    }
}
