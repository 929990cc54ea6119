using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Engine;
using Apmatrix.VfioAp.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>
/// Applies AP bus events to each host's engine in the host's sequence order, exactly once, however RabbitMQ
/// delivers them: a batch is stored as pending with one statement (a repeated sequence number is dropped on
/// the key), then, under each host's row lock, the contiguous run after <c>last_sequence</c> is applied and
/// deleted in the transaction that saves the engine state. Early events wait in the table for the gap to fill.
/// </summary>
public sealed class BusEventLog(VfioApDbContext db, HostStore store, ILogger<BusEventLog> log)
{
    const int RunChunk = 4096;

    /// <summary>One transaction, so one commit (one WAL flush), per batch however many hosts it spans.</summary>
    public async Task AppendAsync(IEnumerable<IBusEvent> events, CancellationToken cancellationToken)
    {
        var pending = events.Select(PendingBusEvent.From).ToList();
        // Every batch locks its hosts in this one order, so batches spanning the same hosts cannot deadlock.
        var hostIds = pending.Select(e => e.HostId).Distinct().Order(StringComparer.Ordinal).ToArray();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await store.EnsureExistAsync(hostIds, HotPlugMode.Batched, cancellationToken);
        // Stored before any host lock is taken, so the last transaction to lock a host sees every event stored before: none is stranded.
        await InsertAsync(pending, cancellationToken);
        var applied = new List<LockedHost>();
        foreach (var hostId in hostIds)
            if (await ApplyRunAsync(hostId, cancellationToken) is { } host)
                applied.Add(host);
        await store.CommitAsync(transaction, applied, cancellationToken);
    }

    Task InsertAsync(List<PendingBusEvent> events, CancellationToken cancellationToken)
    {
        var hosts = events.Select(e => e.HostId).ToArray();
        var sequences = events.Select(e => e.Sequence).ToArray();
        var kinds = events.Select(e => (short)e.Kind).ToArray();
        var apqns = events.Select(e => e.Apqn).ToArray();
        var drivers = events.Select(e => (short?)e.Driver).ToArray();
        var bodies = events.Select(e => e.Body).ToArray();
        return db.Database.ExecuteSqlAsync($"""
            INSERT INTO pending_bus_events (host_id, sequence, kind, apqn, driver, body)
            SELECT e.host_id, e.sequence, e.kind, e.apqn, e.driver, e.body::jsonb
            FROM unnest({hosts}, {sequences}, {kinds}, {apqns}, {drivers}, {bodies}) AS e(host_id, sequence, kind, apqn, driver, body)
            JOIN hosts h ON h.host_id = e.host_id
            WHERE e.sequence > h.last_sequence
            ORDER BY e.host_id, e.sequence
            ON CONFLICT DO NOTHING
            """, cancellationToken);
    }

    /// <summary>Applies the host's contiguous run of pending events, if any; returns the host when its engine was loaded.</summary>
    async Task<LockedHost?> ApplyRunAsync(string hostId, CancellationToken cancellationToken)
    {
        var row = await store.LockAsync(hostId, cancellationToken) ?? throw HostStore.NoSuchHost(hostId);
        LockedHost? host = null;
        var next = row.LastSequence + 1;
        while (true)
        {
            var chunk = await db.PendingBusEvents.AsNoTracking()
                .Where(e => e.HostId == hostId && e.Sequence >= next)
                .OrderBy(e => e.Sequence)
                .Take(RunChunk)
                .ToListAsync(cancellationToken);
            var run = 0;
            while (run < chunk.Count && chunk[run].Sequence == next + run) run++;
            if (run == 0) break;
            host ??= await store.LoadAsync(row, cancellationToken);
            for (var i = 0; i < run; i++) Apply(host.Engine, chunk[i]);
            next += run;
            if (run < RunChunk) break;
        }
        if (host is not null)
        {
            log.LogDebug("host {Host}: applied bus events {First}..{Last}", hostId, row.LastSequence + 1, next - 1);
            row.LastSequence = next - 1;
        }
        // Also removes duplicates that another instance inserted while this run was being applied.
        await db.PendingBusEvents.Where(e => e.HostId == hostId && e.Sequence < next).ExecuteDeleteAsync(cancellationToken);
        return host;
    }

    static void Apply(VfioApEngine engine, PendingBusEvent e)
    {
        switch (e.Kind)
        {
            case BusEventKind.ConfigChanged:
                var change = e.Read<ConfigChanged>();
                engine.OnConfigChanged(change.Current.ToApConfig(), change.Previous.ToApConfig());
                break;
            // A queue probed by the host's default driver is not vfio_ap's: it only takes up its sequence number.
            case BusEventKind.QueueProbed when e.Driver == BoundDriver.VfioAp:
                engine.OnQueueProbed(Apqn.FromValue(e.Apqn!.Value));
                break;
            case BusEventKind.QueueRemoved:
                engine.OnQueueRemoved(Apqn.FromValue(e.Apqn!.Value));
                break;
            case BusEventKind.ScanComplete:
                engine.OnScanComplete();
                break;
            case BusEventKind.BusMasksChanged:
                var masks = e.Read<BusMasksChanged>();
                engine.OnPermissionsChanged(new ApPermissions(Bitmap256.ParseMsb0Hex(masks.Apmask), Bitmap256.ParseMsb0Hex(masks.Aqmask)));
                break;
        }
    }
}
