using System.Diagnostics;
using Apmatrix.Contracts;
using Apmatrix.Engine;
using Apmatrix.Hosting;
using Apmatrix.Sequencing;
using Apmatrix.VfioAp.Persistence;
using Apmatrix.VfioAp.Reconciliation;
using Microsoft.EntityFrameworkCore;
using static Apmatrix.Hosting.SqlArrays;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>
/// Applies AP bus events to each host's engine in the host's sequence order, exactly once, however RabbitMQ
/// delivers them. Under each host's row lock a <see cref="Sequencer{T}"/> takes the run after <c>last_sequence</c>
/// from the batch and from <c>pending_bus_events</c>, which is applied in the transaction that saves the engine
/// state; events that arrive early are parked in that table until the gap fills, repeats are dropped.
/// </summary>
public sealed class BusEventApplier(VfioApDbContext db, HostStore store, VfioApMetrics metrics, RepeatedHosts repeated, ILogger<BusEventApplier> log)
{
    /// <summary>Parked events are read this many at a time: a gap costs one chunk, however many wait behind it.</summary>
    const int ParkedChunk = 4096;

    /// <summary>One transaction, so one commit (one WAL flush), per batch however many hosts it spans.</summary>
    public Task ApplyAsync(IEnumerable<IBusEvent> events, CancellationToken cancellationToken)
    {
        var arrived = events.Select(PendingBusEvent.From).ToLookup(e => e.HostId, StringComparer.Ordinal);
        // Every batch locks its hosts in this one order, so batches spanning the same hosts cannot deadlock.
        return ApplyAsync(arrived.Select(h => h.Key).Order(StringComparer.Ordinal).ToArray(), arrived, cancellationToken);
    }

    /// <summary>Applies the parked run of a host whose gap closed without a delivery (after a reconcile).</summary>
    public Task ApplyParkedAsync(string hostId, CancellationToken cancellationToken) =>
        ApplyAsync([hostId], Array.Empty<PendingBusEvent>().ToLookup(e => e.HostId, StringComparer.Ordinal), cancellationToken);

    async Task ApplyAsync(string[] hostIds, ILookup<string, PendingBusEvent> arrived, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // BeginAsync starts with nothing tracked, so a retry or the one-by-one pass after a failed batch starts clean.
        await using var transaction = await store.BeginAsync(cancellationToken);
        // A host is born of its first event: a later one alone waits parked (for event 1 or ApBus's snapshot).
        var born = await store.EnsureExistAsync(hostIds.Where(h => arrived[h].Any(e => e.Sequence == 1)).ToArray(), HotPlugMode.Batched,
            cancellationToken);
        await store.LockUnbornAsync(born, cancellationToken);
        var applied = new List<LockedHost>();
        var tally = new BusEventTally();
        var early = new List<PendingBusEvent>();
        foreach (var hostId in hostIds)
        {
            if (await store.LockAsync(hostId, cancellationToken) is not { } row)
            {
                // Checked again under the unborn lock: a row created meanwhile has its own lock, the one to park under.
                await store.LockUnbornAsync([hostId], cancellationToken);
                if (await store.LockAsync(hostId, cancellationToken) is not { } created)
                {
                    early.AddRange(arrived[hostId]);
                    continue;
                }
                row = created;
            }
            var sequencer = new Sequencer<PendingBusEvent>(row.LastSequence, arrived[hostId], e => e.Sequence);
            if (sequencer.Repeats.Count > 0) repeated.Note(hostId);
            if (await ApplyRunAsync(row, sequencer, tally, cancellationToken) is { } host) applied.Add(host);
            early.AddRange(sequencer.ToPark());
        }
        // Parked while the hosts are locked, so the next transaction to lock a host sees them: none is stranded.
        var writes = new WriteBatch();
        Park(writes, early);
        var committing = Stopwatch.GetTimestamp();
        await store.CommitAsync(transaction, applied, writes, cancellationToken);
        metrics.Applied(tally);
        metrics.ArrivedEarly(early.Count);
        // Guarded: the count walks the whole batch, once per batch on the hot path.
        if (log.IsEnabled(LogLevel.Debug))
            log.LogDebug("{Events} bus events of host(s) {Hosts} ({Parked} parked): applied in {Applied:F1} ms, committed in {Committed:F1} ms",
                arrived.Sum(h => h.Count()), string.Join(',', hostIds), early.Count, Stopwatch.GetElapsedTime(started, committing).TotalMilliseconds,
                Stopwatch.GetElapsedTime(committing).TotalMilliseconds);
    }

    /// <summary>Applies the host's run, parked chunk by parked chunk; returns the host when its engine was loaded.</summary>
    async Task<LockedHost?> ApplyRunAsync(HostRow row, Sequencer<PendingBusEvent> sequencer, BusEventTally tally, CancellationToken cancellationToken)
    {
        LockedHost? host = null;
        List<PendingBusEvent> parked;
        do
        {
            var next = sequencer.Next;
            parked = await db.PendingBusEvents.AsNoTracking()
                .Where(e => e.HostId == row.HostId && e.Sequence >= next)
                .OrderBy(e => e.Sequence)
                .Take(ParkedChunk)
                .ToListAsync(cancellationToken);
            var run = sequencer.Advance(parked);
            if (run.Count > 0)
            {
                host ??= await store.LoadAsync(row, cancellationToken);
                foreach (var e in run)
                {
                    var updatesBefore = host.Engine.PendingUpdates.Length;
                    tally.Add(e.Kind, BusEventOperations.Apply(host.Engine, e));
                    if (e.Kind == BusEventKind.ScanComplete) host.MarkScanUpdates(updatesBefore, host.Engine.PendingUpdates.Length);
                }
            }
        }
        // Only a full chunk used up to its end can have more parked events after it.
        while (sequencer.ParkedUsedUp && parked.Count == ParkedChunk);
        if (host is not null)
        {
            log.LogDebug("host {Host}: applied bus events {First}..{Last}", row.HostId, row.LastSequence + 1, sequencer.LastApplied);
            row.LastSequence = sequencer.LastApplied;
            host.Engine.OnBusEventsApplied(sequencer.LastApplied);
        }
        if (sequencer.UsedParked)
        {
            var last = sequencer.LastApplied;
            await db.PendingBusEvents.Where(e => e.HostId == row.HostId && e.Sequence <= last).ExecuteDeleteAsync(cancellationToken);
        }
        return host;
    }

    static void Park(WriteBatch writes, List<PendingBusEvent> events)
    {
        if (events.Count == 0) return;
        writes.Add("""
            INSERT INTO pending_bus_events (host_id, sequence, kind, apqn, driver, body)
            SELECT e.host_id, e.sequence, e.kind, e.apqn, e.driver, e.body::jsonb
            FROM unnest(@hosts, @sequences, @kinds, @apqns, @drivers, @bodies) AS e(host_id, sequence, kind, apqn, driver, body)
            ON CONFLICT DO NOTHING
            """,
            Texts("hosts", events.Select(e => e.HostId)), Longs("sequences", events.Select(e => e.Sequence)),
            Shorts("kinds", events.Select(e => (short)e.Kind)), Integers("apqns", events.Select(e => e.Apqn)),
            Shorts("drivers", events.Select(e => (short?)e.Driver)), Texts("bodies", events.Select(e => e.Body)));
    }
}
