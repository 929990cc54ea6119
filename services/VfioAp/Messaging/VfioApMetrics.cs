using System.Diagnostics.Metrics;
using Apmatrix.Hosting;
using Apmatrix.VfioAp.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>VfioAp's instruments (docs/ARCHITECTURE.md, Metrics), recorded where the work commits; labels bounded: <c>kind</c> only.</summary>
public sealed class VfioApMetrics : IStartAtZero
{
    readonly Counter<long> _eventsApplied;
    readonly Counter<long> _queuesApplied;
    readonly Counter<long> _probesDeferred;
    readonly Counter<long> _arrivedEarly;
    readonly Counter<long> _hotPlugs;
    readonly Counter<long> _apqnsPlugged;
    readonly Counter<long> _updatesSent;
    readonly Counter<long> _updatesResent;
    readonly Histogram<double> _scanToApplied;

    /// <summary>1 ms to about 2 minutes.</summary>
    static readonly InstrumentAdvice<double> Buckets = ServiceMeter.Doubling(0.001, 18);

    public VfioApMetrics(ServiceMeter service, IServiceScopeFactory scopes, DatabaseSchema<VfioApDbContext> schema, TimeProvider clock,
        ILogger<VfioApMetrics> log)
    {
        var meter = service.Meter;
        _eventsApplied = meter.CreateCounter<long>(service.Name("bus_events.applied"), "{event}", "Bus event messages applied, by kind");
        _queuesApplied = meter.CreateCounter<long>(service.Name("bus_events.queues_applied"), "{queue}",
            "Queues in the probe and removal messages applied, by kind (a grouped message counts each of its queues)");
        _probesDeferred = meter.CreateCounter<long>(service.Name("probes.deferred"), "{probe}", "Probes of vfio_ap queues held for scan complete");
        _arrivedEarly = meter.CreateCounter<long>(service.Name("bus_events.arrived_early"), "{event}",
            "Bus event messages that came before an earlier event of their host and were parked in pending_bus_events");
        _hotPlugs = meter.CreateCounter<long>(service.Name("hot_plugs"), "{update}", "Guest APCB updates that give a guest queues it lacked");
        _apqnsPlugged = meter.CreateCounter<long>(service.Name("apqns.plugged"), "{queue}", "Queues those updates gave guests");
        _updatesSent = meter.CreateCounter<long>(service.Name("guest_updates.sent"), "{update}", "Guest APCB updates sent (entries of ApplyApcbs), re-sends not counted");
        _updatesResent = meter.CreateCounter<long>(service.Name("guest_updates.resent"), "{update}", "Unacknowledged guest APCB updates sent again");
        _scanToApplied = meter.CreateHistogram<double>(service.Name("scan_to_guest_applied"), "s",
            "From applying a scan's ScanComplete to the guest's acknowledgement (ApcbsApplied) of the update that scan caused",
            advice: Buckets);
        // Made at start, so a scrape may come while the migrations run: no table is read before them.
        var backlog = new MetricsCache<Backlog>(scopes, (services, cancellationToken) => schema.Migrated
            ? ReadAsync(services.GetRequiredService<VfioApDbContext>(), cancellationToken)
            : throw new InvalidOperationException(Readiness.NotMigrated.Description), clock, log);
        meter.CreateObservableGauge(service.Name("bus_events.parked"), () => backlog.Observe(b => b.Parked), "{event}",
            "Bus events parked out of order in pending_bus_events");
        meter.CreateObservableGauge(service.Name("guest_updates.unacknowledged"), () => backlog.Observe(b => b.Unacknowledged), "{update}",
            "Guest APCB updates no ApcbsApplied has acknowledged yet");
    }

    public void StartAtZero()
    {
        foreach (var kind in Enum.GetValues<BusEventKind>())
        {
            var label = new KeyValuePair<string, object?>("kind", KindLabel(kind));
            _eventsApplied.Add(0, label);
            if (kind is not (BusEventKind.ConfigChanged or BusEventKind.ScanComplete or BusEventKind.BusMasksChanged)) _queuesApplied.Add(0, label);
        }
        foreach (var counter in new[] { _probesDeferred, _arrivedEarly, _hotPlugs, _apqnsPlugged, _updatesSent, _updatesResent }) counter.Add(0);
    }

    public void Applied(BusEventTally tally)
    {
        foreach (var (kind, (messages, queues)) in tally.ByKind)
        {
            var label = new KeyValuePair<string, object?>("kind", KindLabel(kind));
            _eventsApplied.Add(messages, label);
            if (queues > 0) _queuesApplied.Add(queues, label);
        }
        if (tally.DeferredProbes > 0) _probesDeferred.Add(tally.DeferredProbes);
    }

    public void ArrivedEarly(int events)
    {
        if (events > 0) _arrivedEarly.Add(events);
    }

    public void Sent(int updates, HotPlugs plugs)
    {
        if (updates > 0) _updatesSent.Add(updates);
        if (plugs.Updates > 0) _hotPlugs.Add(plugs.Updates);
        if (plugs.Apqns > 0) _apqnsPlugged.Add(plugs.Apqns);
    }

    public void Resent(int updates) => _updatesResent.Add(updates);

    public void ScanApplied(IEnumerable<double> seconds)
    {
        foreach (var s in seconds) _scanToApplied.Record(s);
    }

    /// <summary>The label of each kind, as docs/ARCHITECTURE.md lists them.</summary>
    public static string KindLabel(BusEventKind kind) => kind switch
    {
        BusEventKind.ConfigChanged => "config-changed",
        BusEventKind.QueueProbed => "queue-probed",
        BusEventKind.QueuesProbed => "queues-probed",
        BusEventKind.QueueRemoved => "queue-removed",
        BusEventKind.QueuesRemoved => "queues-removed",
        BusEventKind.ScanComplete => "scan-complete",
        BusEventKind.BusMasksChanged => "bus-masks-changed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a bus event kind"),
    };

    /// <summary>Both through an index: the primary key of pending_bus_events, the unacknowledged partial index of guest_updates.</summary>
    static async Task<Backlog> ReadAsync(VfioApDbContext db, CancellationToken cancellationToken) =>
        (await db.Database.SqlQuery<Backlog>($"""
            SELECT (SELECT count(*) FROM pending_bus_events) AS "Parked",
                   (SELECT count(*) FROM guest_updates WHERE acked_at IS NULL) AS "Unacknowledged"
            """).ToListAsync(cancellationToken)).Single();

    sealed class Backlog
    {
        public long Parked { get; init; }
        public long Unacknowledged { get; init; }
    }
}
