using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Apmatrix.Hosting;

/// <summary>
/// Asks the broker, not MassTransit, whether each receive endpoint's queue has a consumer: MassTransit's endpoint health
/// only follows endpoint events, so an endpoint whose transport wedged or whose broker consumer vanished stays "ready".
/// A passive queue declare returns the consumer count; a queue without one past <see cref="HealthOptions.ConsumerMissingAfter"/>
/// has its endpoint stopped and started in this process, and readiness says which queues have none meanwhile.
/// </summary>
public sealed class ConsumerWatchdog(Uri broker, BrokerTopology topology, IOptions<HealthOptions> options, LogThrottle throttle,
    TimeProvider clock, ILogger<ConsumerWatchdog> log) : BackgroundService, IReceiveEndpointObserver, IHealthCheck
{
    static readonly TimeSpan BrokerCallTimeout = TimeSpan.FromSeconds(10);

    readonly ConcurrentDictionary<string, IReceiveEndpoint> _endpoints = new(StringComparer.Ordinal);
    readonly ConsumerWatch _watch = new(options.Value.ConsumerMissingAfter);
    IConnection? _connection;
    IChannel? _channel;

    public Task Ready(ReceiveEndpointReady ready)
    {
        // The bus's own reply queue is temporary and deleted with its connection; only consumer queues are watched.
        if (!ready.InputAddress.Query.Contains("temporary=true", StringComparison.OrdinalIgnoreCase))
            _endpoints[ready.InputAddress.Segments[^1]] = ready.ReceiveEndpoint;
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;
    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;
    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Readiness.Consumers(_watch.States));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ConsumerPollEvery, clock);
        // A broker that does not answer is one outage for every queue: two lines for it, not one per queue a minute.
        var outage = new Outage(log, "asking the broker for the receive endpoints' consumers", clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // A service that consumes nothing (ApBus) has no consumer to ask the broker about.
                if (_endpoints.IsEmpty) continue;
                var connected = await ConnectAsync(outage, stoppingToken);
                foreach (var (queue, endpoint) in _endpoints)
                    if (_watch.Observe(queue, connected ? await ConsumerCountAsync(queue, stoppingToken) : null, clock.GetUtcNow().UtcDateTime))
                        await RestartAsync(queue, endpoint, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await CloseAsync();
        }
    }

    /// <summary>Opens the connection and channel if they are not open; false while the broker does not answer.</summary>
    async Task<bool> ConnectAsync(Outage outage, CancellationToken stoppingToken)
    {
        if (_channel is { IsOpen: true }) return true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(BrokerCallTimeout);
        try
        {
            await OpenAsync(timeout.Token);
            outage.Succeeded();
            return true;
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            outage.Failed(e);
            return false;
        }
    }

    async Task<uint?> ConsumerCountAsync(string queue, CancellationToken stoppingToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(BrokerCallTimeout);
        try
        {
            // A refused declare (a queue deleted by hand) closes the channel; the next queue opens another.
            var channel = _channel is { IsOpen: true } open ? open : await OpenAsync(timeout.Token);
            var count = (await channel.QueueDeclarePassiveAsync(queue, timeout.Token)).ConsumerCount;
            throttle.Reset($"watchdog:{queue}");
            return count;
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            if (throttle.ShouldLog($"watchdog:{queue}", clock.GetUtcNow().UtcDateTime, out var held))
                log.LogWarning("cannot ask the broker for queue {Queue}'s consumers ({Error}); {Held} similar failures not logged",
                    queue, e.Message, held);
            return null;
        }
    }

    async Task RestartAsync(string queue, IReceiveEndpoint endpoint, CancellationToken stoppingToken)
    {
        log.LogWarning("queue {Queue} has had no consumer on the broker for over {Limit}; restarting its receive endpoint",
            queue, options.Value.ConsumerMissingAfter);
        try
        {
            await endpoint.RestartAsync(stoppingToken);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            log.LogError(e, "restarting the receive endpoint of queue {Queue} failed; readiness stays unhealthy and it is tried again", queue);
        }
    }

    async Task<IChannel> OpenAsync(CancellationToken cancellationToken)
    {
        await CloseAsync();
        _connection = await topology.ConnectAsync(broker, "apmatrix-consumer-watchdog", cancellationToken);
        return _channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
    }

    async Task CloseAsync()
    {
        if (_channel is not null) await _channel.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
        (_channel, _connection) = (null, null);
    }
}
