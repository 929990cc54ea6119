using System.Diagnostics;
using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Hosting;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Apmatrix.LoadTest;

/// <summary>
/// What RabbitMQ and MassTransit alone allow on this machine: N messages published (durable, persistent,
/// publisher confirms: MassTransit's defaults, as the services use them) and consumed by a consumer doing
/// nothing, publish and consume overlapping, timed from the first publish to the last consume. With fan-out,
/// every message goes to as many queues as the stack's events do (VfioAp's and each extra subscriber's).
/// Several batchings are tried before the services start and the best is the ceiling; it is measured once more after
/// they stop (<see cref="RepeatAsync"/>).
/// </summary>
public static class Ceiling
{
    static readonly (string Name, int Chunk, bool Batch, int Prefetch)[] Plans =
    [
        ("publish 1,000 at a time, plain consumer", 1000, false, 1000),
        ("publish 10,000 at a time, plain consumer", 10_000, false, 2000),
        ("publish 10,000 at a time, Batch<T> consumer of 1,000", 10_000, true, 2000),
    ];

    public static async Task<CeilingResult> MeasureAsync(string form, Uri broker, string queuePrefix, int messages, int queues, TextWriter log,
        CancellationToken cancellationToken, BrokerTopology? topology = null)
    {
        var trials = new List<CeilingTrial>();
        foreach (var (name, chunk, batch, prefetch) in Plans)
        {
            var trial = await TryAsync(broker, topology, $"{queuePrefix}ceiling", name, chunk, batch, prefetch, queues, messages, cancellationToken);
            log.WriteLine($"  ceiling: {name}: {trial.MessagesPerSecond:N0} msg/s ({trial.Seconds:F2} s, {trial.BodyBytes} B/message)");
            trials.Add(trial);
        }
        return new CeilingResult(form, messages, trials);
    }

    /// <summary>The fastest batching of <paramref name="before"/> once more, as <see cref="CeilingResult.After"/>.</summary>
    public static async Task<CeilingResult> RepeatAsync(CeilingResult before, Uri broker, string queuePrefix, TextWriter log,
        CancellationToken cancellationToken, BrokerTopology? topology = null)
    {
        var best = before.Best;
        var (name, chunk, batch, prefetch) = Plans.Single(p => p.Name == best.Name);
        var after = await TryAsync(broker, topology, $"{queuePrefix}ceiling", name, chunk, batch, prefetch, best.Queues, before.Messages, cancellationToken);
        log.WriteLine($"  ceiling again: {name}: {after.MessagesPerSecond:N0} msg/s ({after.Seconds:F2} s); mean {(best.MessagesPerSecond + after.MessagesPerSecond) / 2:N0}");
        return before with { After = after };
    }

    static async Task<CeilingTrial> TryAsync(Uri broker, BrokerTopology? topology, string queue, string name, int chunk, bool batch, int prefetch, int queues,
        int messages, CancellationToken cancellationToken)
    {
        var counters = Enumerable.Range(1, queues).Select(_ => new Counter(messages)).ToList();
        await using var provider = new ServiceCollection().AddMassTransit(bus =>
        {
            bus.DisableUsageTelemetry();
            bus.UsingRabbitMq((_, rabbit) =>
            {
                rabbit.Host(broker, host => topology?.ConfigureHost(host));
                foreach (var (counter, q) in counters.Select((c, i) => (c, i + 1)))
                {
                    rabbit.ReceiveEndpoint($"{queue}-{q}", e =>
                    {
                        Observers.OwnQueue(e, topology);
                        e.PrefetchCount = prefetch;
                        if (batch)
                            e.Batch<CeilingProbe>(b =>
                            {
                                b.MessageLimit = 1000;
                                b.TimeLimit = TimeSpan.FromMilliseconds(5);
                                b.Consumer(() => new BatchCounter(counter));
                            });
                        else
                        {
                            e.ConcurrentMessageLimit = 64;
                            e.Handler<CeilingProbe>(context =>
                            {
                                counter.Add(1, context.ReceiveContext.Body.Length ?? 0);
                                return Task.CompletedTask;
                            });
                        }
                    });
                }
            });
        }).BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        await bus.StartAsync(cancellationToken);
        try
        {
            // One message first: exchange and binding exist before the clock starts.
            await bus.Publish(Probe(0), cancellationToken);
            await Task.WhenAll(counters.Select(c => c.WarmedUp)).WaitAsync(cancellationToken);
            var clock = Stopwatch.StartNew();
            var (cpuBefore, brokerBefore) = (MachineCpu.BusySeconds(), ProcessCpu.Broker());
            for (var first = 1; first <= messages; first += chunk)
            {
                var last = Math.Min(messages, first + chunk - 1);
                await Task.WhenAll(Enumerable.Range(first, last - first + 1).Select(i => bus.Publish(Probe(i), cancellationToken)));
            }
            await Task.WhenAll(counters.Select(c => c.Done)).WaitAsync(cancellationToken);
            var seconds = clock.Elapsed.TotalSeconds;
            return new CeilingTrial(name, chunk, batch ? "Batch<T>, 1,000" : "plain, 64 concurrent", prefetch, queues, messages,
                counters[0].BodyBytes, seconds, MachineCpu.BusySeconds() - cpuBefore, ProcessCpu.Spent(brokerBefore, ProcessCpu.Broker()));
        }
        finally
        {
            await bus.StopAsync(CancellationToken.None);
        }
    }

    static CeilingProbe Probe(int i) =>
        new("ceiling-h0", i, Guid.NewGuid(), new Apqn(i >> 8 & 0xff, i & 0xff).ToString(), BoundDriver.VfioAp);

    sealed class Counter(int expected)
    {
        readonly TaskCompletionSource _warm = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        int _count = -1;

        public Task WarmedUp => _warm.Task;
        public Task Done => _done.Task;
        public long BodyBytes { get; private set; }

        public void Add(int messages, long bodyBytes)
        {
            BodyBytes = bodyBytes;
            var count = Interlocked.Add(ref _count, messages);
            if (count >= 0) _warm.TrySetResult();
            if (count >= expected) _done.TrySetResult();
        }
    }

    sealed class BatchCounter(Counter counter) : IConsumer<Batch<CeilingProbe>>
    {
        public Task Consume(ConsumeContext<Batch<CeilingProbe>> context)
        {
            counter.Add(context.Message.Length, context.Message[0].ReceiveContext.Body.Length ?? 0);
            return Task.CompletedTask;
        }
    }
}
