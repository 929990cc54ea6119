using System.Collections.Concurrent;
using System.Diagnostics;
using Apmatrix.Contracts;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Apmatrix.LoadTest;

/// <summary>
/// The run's own queues on the services' exchanges, bound before the first event: a timing queue noting
/// when each ScanComplete and ApcbApplied arrives, and the extra subscribers (auditors, a second data
/// centre) that each check every host's sequence. Times are milliseconds on the run's clock.
/// </summary>
public sealed class Observers : IAsyncDisposable
{
    readonly ServiceProvider _provider;
    readonly IBusControl _bus;

    Observers(ServiceProvider provider, ArrivalTimes times, IReadOnlyList<SequenceAuditor> auditors)
    {
        (_provider, Times, Auditors) = (provider, times, auditors);
        _bus = provider.GetRequiredService<IBusControl>();
    }

    public ArrivalTimes Times { get; }
    public IReadOnlyList<SequenceAuditor> Auditors { get; }

    public static async Task<Observers> StartAsync(Uri broker, string queuePrefix, int subscribers, Stopwatch clock,
        CancellationToken cancellationToken)
    {
        var times = new ArrivalTimes(clock);
        var auditors = Enumerable.Range(1, subscribers).Select(i => new SequenceAuditor($"{queuePrefix}load-subscriber-{i}")).ToList();
        var provider = new ServiceCollection().AddMassTransit(bus =>
        {
            bus.DisableUsageTelemetry();
            bus.UsingRabbitMq((_, rabbit) =>
            {
                rabbit.Host(broker);
                rabbit.ReceiveEndpoint($"{queuePrefix}load-timing", e =>
                {
                    e.AutoDelete = true;
                    e.PrefetchCount = 1000;
                    e.ConcurrentMessageLimit = 16;
                    e.Handler<ScanComplete>(context => times.Note(context.Message));
                    e.Handler<ApcbApplied>(context => times.Note(context.Message));
                });
                foreach (var auditor in auditors)
                    rabbit.ReceiveEndpoint(auditor.Queue, e =>
                    {
                        e.AutoDelete = true;
                        e.PrefetchCount = 1000;
                        // One at a time: the queue's delivery order is the order the auditor judges.
                        e.ConcurrentMessageLimit = 1;
                        e.Handler<ConfigChanged>(context => auditor.Note(context.Message));
                        e.Handler<QueueProbed>(context => auditor.Note(context.Message));
                        e.Handler<QueueRemoved>(context => auditor.Note(context.Message));
                        e.Handler<ScanComplete>(context => auditor.Note(context.Message));
                        e.Handler<BusMasksChanged>(context => auditor.Note(context.Message));
                    });
            });
        }).BuildServiceProvider();
        var observers = new Observers(provider, times, auditors);
        await observers._bus.StartAsync(cancellationToken);
        return observers;
    }

    public async ValueTask DisposeAsync()
    {
        await _bus.StopAsync(CancellationToken.None);
        await _provider.DisposeAsync();
    }
}

/// <summary>When each ScanComplete (by host and sequence) and each guest's applied version first arrived.</summary>
public sealed class ArrivalTimes(Stopwatch clock)
{
    readonly ConcurrentDictionary<(string Host, long Sequence), double> _scanComplete = new();
    readonly ConcurrentDictionary<(string Host, string Guest, long Version), double> _applied = new();
    readonly ConcurrentDictionary<(string Host, string Guest), long> _highest = new();
    long _duplicates;

    /// <summary>ApcbApplied messages that repeated an acknowledgement (GuestVm's Duplicate flag, or the same version again).</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    public double? ScanCompleteAt(string host, long sequence) => _scanComplete.TryGetValue((host, sequence), out var at) ? at : null;

    public double? AppliedAt(string host, string guest, long version) => _applied.TryGetValue((host, guest, version), out var at) ? at : null;

    /// <summary>The highest version the guest has reported applied: progress even while its last version is far off.</summary>
    public long HighestApplied(string host, string guest) => _highest.GetValueOrDefault((host, guest));

    internal Task Note(ScanComplete message)
    {
        _scanComplete.TryAdd((message.HostId, message.Sequence), clock.Elapsed.TotalMilliseconds);
        return Task.CompletedTask;
    }

    internal Task Note(ApcbApplied message)
    {
        if (message.Duplicate || !_applied.TryAdd((message.HostId, message.GuestId, message.Version), clock.Elapsed.TotalMilliseconds))
            Interlocked.Increment(ref _duplicates);
        else
            _highest.AddOrUpdate((message.HostId, message.GuestId), message.Version, (_, highest) => Math.Max(highest, message.Version));
        return Task.CompletedTask;
    }
}

/// <summary>
/// An extra subscriber's check of each host's events as its queue delivered them: every sequence 1..n,
/// each new one the successor of the one before. A late arrival counts as out of order, a repeat as a duplicate.
/// </summary>
public sealed class SequenceAuditor(string queue)
{
    readonly Dictionary<string, HostAudit> _hosts = new(StringComparer.Ordinal);

    public string Queue { get; } = queue;

    internal Task Note(IBusEvent message)
    {
        lock (_hosts)
        {
            if (!_hosts.TryGetValue(message.HostId, out var host)) _hosts[message.HostId] = host = new HostAudit();
            host.Note(message.Sequence);
        }
        return Task.CompletedTask;
    }

    public SubscriberReport Report(string host, long lastSequence)
    {
        lock (_hosts)
        {
            var audit = _hosts.GetValueOrDefault(host) ?? new HostAudit();
            var missing = lastSequence - audit.Seen.Count(s => s <= lastSequence);
            return new SubscriberReport(Queue, host, lastSequence, audit.Delivered, missing, audit.Duplicates, audit.OutOfOrder,
                string.Join(", ", audit.Disorder));
        }
    }

    sealed class HostAudit
    {
        long _last;
        public HashSet<long> Seen { get; } = [];
        public long Delivered { get; private set; }
        public long Duplicates { get; private set; }
        public long OutOfOrder { get; private set; }
        /// <summary>The first few deliveries out of order, as "7 after 9": enough to see the pattern.</summary>
        public List<string> Disorder { get; } = [];

        public void Note(long sequence)
        {
            Delivered++;
            if (!Seen.Add(sequence)) Duplicates++;
            else if (sequence != _last + 1)
            {
                OutOfOrder++;
                if (Disorder.Count < 5) Disorder.Add($"{sequence} after {_last}");
            }
            _last = Math.Max(_last, sequence);
        }
    }
}

/// <summary>
/// What one extra subscriber saw of one host. Delivery is at least once (docs/ARCHITECTURE.md), so a repeat
/// is counted but breaks neither completeness nor order; a subscriber drops it by its sequence.
/// </summary>
public sealed record SubscriberReport(string Queue, string Host, long LastSequence, long Delivered, long Missing, long Duplicates,
    long OutOfOrder, string FirstOutOfOrder)
{
    public bool Complete => Missing == 0;
    public bool InOrder => OutOfOrder == 0;
}
