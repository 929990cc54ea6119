using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Engine;
using Apmatrix.VfioAp.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>
/// Applies AP bus events to each host's engine in the host's sequence order, exactly once, however RabbitMQ
/// delivers them. Under each host's row lock, the run after <c>last_sequence</c> is taken from the batch and
/// from <c>pending_bus_events</c> and applied in the transaction that saves the engine state; events that
/// arrive early wait in that table for the gap to fill, repeats are dropped on the sequence number.
/// </summary>
public sealed class BusEventLog(VfioApDbContext db, HostStore store, ILogger<BusEventLog> log)
{
    const int RunChunk = 4096;

    /// <summary>One transaction, so one commit (one WAL flush), per batch however many hosts it spans.</summary>
    public async Task AppendAsync(IEnumerable<IBusEvent> events, CancellationToken cancellationToken)
    {
        var arrived = events.Select(PendingBusEvent.From).ToLookup(e => e.HostId, StringComparer.Ordinal);
        // Every batch locks its hosts in this one order, so batches spanning the same hosts cannot deadlock.
        var hostIds = arrived.Select(h => h.Key).Order(StringComparer.Ordinal).ToArray();
        await using var transaction = await store.BeginAsync(cancellationToken);
        await store.EnsureExistAsync(hostIds, HotPlugMode.Batched, cancellationToken);
        var applied = new List<LockedHost>();
        var early = new List<PendingBusEvent>();
        foreach (var hostId in hostIds)
            if (await ApplyRunAsync(hostId, arrived[hostId], early, cancellationToken) is { } host)
                applied.Add(host);
        // Stored while the hosts are locked, so the next transaction to lock a host sees them: none is stranded.
        await InsertAsync(early, cancellationToken);
        await store.CommitAsync(transaction, applied, cancellationToken);
    }

    Task InsertAsync(List<PendingBusEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0) return Task.CompletedTask;
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
            ON CONFLICT DO NOTHING
            """, cancellationToken);
    }

    /// <summary>
    /// Applies the host's contiguous run from the batch and the stored events, adds the batch's later events to
    /// <paramref name="early"/>; returns the host when its engine was loaded.
    /// </summary>
    async Task<LockedHost?> ApplyRunAsync(string hostId, IEnumerable<PendingBusEvent> arrivals, List<PendingBusEvent> early,
        CancellationToken cancellationToken)
    {
        var row = await store.LockAsync(hostId, cancellationToken) ?? throw HostStore.NoSuchHost(hostId);
        var next = row.LastSequence + 1;
        var batch = new Dictionary<long, PendingBusEvent>();
        foreach (var e in arrivals)
            if (e.Sequence >= next) batch.TryAdd(e.Sequence, e);
        LockedHost? host = null;
        var usedStored = false;
        while (true)
        {
            var stored = await db.PendingBusEvents.AsNoTracking()
                .Where(e => e.HostId == hostId && e.Sequence >= next)
                .OrderBy(e => e.Sequence)
                .Take(RunChunk)
                .ToListAsync(cancellationToken);
            var used = 0;
            while (true)
            {
                PendingBusEvent? e;
                if (used < stored.Count && stored[used].Sequence == next) e = stored[used++];
                else if (!batch.TryGetValue(next, out e)) break;
                host ??= await store.LoadAsync(row, cancellationToken);
                Apply(host.Engine, e);
                next++;
            }
            usedStored |= used > 0;
            // Only a chunk used up to its end can have more stored events after it.
            if (stored.Count < RunChunk || used < stored.Count) break;
        }
        if (host is not null)
        {
            log.LogDebug("host {Host}: applied bus events {First}..{Last}", hostId, row.LastSequence + 1, next - 1);
            row.LastSequence = next - 1;
        }
        early.AddRange(batch.Values.Where(e => e.Sequence >= next));
        if (usedStored) await db.PendingBusEvents.Where(e => e.HostId == hostId && e.Sequence < next).ExecuteDeleteAsync(cancellationToken);
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
