using System.Diagnostics;
using Apmatrix.Contracts;
using Apmatrix.Hosting;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Apmatrix.LoadTest;

/// <summary>
/// The run's own queues on the services' exchanges, bound before the first event: a timing queue noting
/// when each ScanComplete and guest acknowledgement (ApcbsApplied) arrives, and the extra subscribers (auditors, a second data
/// centre) that each check every host's sequence, its events grouped or per queue. Times are milliseconds on the run's clock.
/// </summary>
public sealed class Observers : IAsyncDisposable
{
    readonly ServiceProvider _provider;
    readonly IBusControl _bus;
    readonly ConsumerWatchdog _watchdog;

    Observers(ServiceProvider provider, ArrivalTimes times, IReadOnlyList<SequenceAuditor> auditors, ConsumerWatchdog watchdog)
    {
        (_provider, Times, Auditors, _watchdog) = (provider, times, auditors, watchdog);
        _bus = provider.GetRequiredService<IBusControl>();
    }

    public ArrivalTimes Times { get; }
    public IReadOnlyList<SequenceAuditor> Auditors { get; }

    /// <summary><paramref name="topology"/>: on a cluster, the observers' queues are quorum queues too, or a lost node would lose their copies.</summary>
    public static async Task<Observers> StartAsync(Uri broker, string queuePrefix, int subscribers, Stopwatch clock,
        CancellationToken cancellationToken, BrokerTopology? topology = null)
    {
        var times = new ArrivalTimes(clock);
        var auditors = Enumerable.Range(1, subscribers).Select(i => new SequenceAuditor($"{queuePrefix}load-subscriber-{i}")).ToList();
        var provider = new ServiceCollection().AddMassTransit(bus =>
        {
            bus.DisableUsageTelemetry();
            bus.UsingRabbitMq((_, rabbit) =>
            {
                rabbit.Host(broker, host =>
                {
                    // The observers publish nothing, so their connections are never dropped.
                    BrokerSocket.Use(host, new BrokerConnections(NullLogger<BrokerConnections>.Instance, TimeProvider.System));
                    topology?.ConfigureHost(host);
                });
                rabbit.ReceiveEndpoint($"{queuePrefix}load-timing", e =>
                {
                    OwnQueue(e, topology);
                    e.PrefetchCount = 1000;
                    e.ConcurrentMessageLimit = 16;
                    e.Handler<ScanComplete>(context => times.Note(context.Message));
                    e.Handler<ApcbsApplied>(context => times.Note(context.Message));
                });
                foreach (var auditor in auditors)
                    rabbit.ReceiveEndpoint(auditor.Queue, e =>
                    {
                        OwnQueue(e, topology);
                        e.PrefetchCount = 1000;
                        // One at a time: the queue's delivery order is the order the auditor judges.
                        e.ConcurrentMessageLimit = 1;
                        e.Handler<ConfigChanged>(context => auditor.Note(context.Message, context.ReceiveContext.Redelivered));
                        e.Handler<QueueProbed>(context => auditor.Note(context.Message, context.ReceiveContext.Redelivered));
                        e.Handler<QueueRemoved>(context => auditor.Note(context.Message, context.ReceiveContext.Redelivered));
                        e.Handler<QueuesProbed>(context => auditor.Note(context.Message, context.ReceiveContext.Redelivered));
                        e.Handler<QueuesRemoved>(context => auditor.Note(context.Message, context.ReceiveContext.Redelivered));
                        e.Handler<ScanComplete>(context => auditor.Note(context.Message, context.ReceiveContext.Redelivered));
                        e.Handler<BusMasksChanged>(context => auditor.Note(context.Message, context.ReceiveContext.Redelivered));
                    });
            });
        }).BuildServiceProvider();
        // As in the services: a broker restart can leave an endpoint without a consumer for good (ARCHITECTURE, failures);
        // restarted sooner than theirs, within the run's stall limit, yet after MassTransit's longest reconnect interval (30 s).
        var health = new HealthOptions { ConsumerMissingAfter = TimeSpan.FromSeconds(35), ConsumerPollEvery = TimeSpan.FromSeconds(2) };
        // Its restarts go to stderr: a subscriber check that fails after a fault says whether the consumer came back.
        var watchdog = new ConsumerWatchdog(broker, topology ?? BrokerTopology.From(new ConfigurationBuilder().Build()), Options.Create(health),
            new LogThrottle(TimeSpan.FromMinutes(1)), TimeProvider.System, WarningsToStandardError.CreateLogger<ConsumerWatchdog>());
        var observers = new Observers(provider, times, auditors, watchdog);
        observers._bus.ConnectReceiveEndpointObserver(watchdog);
        await observers._bus.StartAsync(cancellationToken);
        await watchdog.StartAsync(cancellationToken);
        return observers;
    }

    /// <summary>
    /// A queue of the run's own that outlives a broker restart: durable, deleted by the broker once unused for
    /// <see cref="Unused"/> (an auto-delete queue would vanish with the connection, and the events sent meanwhile with it);
    /// a quorum queue on a cluster.
    /// </summary>
    public static void OwnQueue(IRabbitMqReceiveEndpointConfigurator endpoint, BrokerTopology? topology)
    {
        if (topology?.QuorumQueues == true) endpoint.SetQuorumQueue();
        else endpoint.SetQueueArgument("x-expires", (int)Unused.TotalMilliseconds);
    }

    static readonly TimeSpan Unused = TimeSpan.FromMinutes(3);

    static readonly ILoggerFactory WarningsToStandardError = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Warning)
        .AddSimpleConsole(console => (console.SingleLine, console.TimestampFormat) = (true, "HH:mm:ss.fff "))
        .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));

    /// <summary>Sends <paramref name="messages"/> to <paramref name="queue"/> alone, through the exchange MassTransit binds to it only.</summary>
    public async Task SendAsync<T>(string queue, IEnumerable<T> messages, CancellationToken cancellationToken) where T : class
    {
        // To the queue's own exchange: a queue: address declares the queue with none of the arguments a lane has (single
        // active consumer), which the broker refuses, and MassTransit tries that again for ever.
        var endpoint = await _bus.GetSendEndpoint(new Uri($"exchange:{queue}"));
        await endpoint.SendBatch(messages, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _watchdog.StopAsync(CancellationToken.None);
        _watchdog.Dispose();
        await _bus.StopAsync(CancellationToken.None);
        await _provider.DisposeAsync();
    }
}
