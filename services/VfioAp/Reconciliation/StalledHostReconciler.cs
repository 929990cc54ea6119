using Apmatrix.Hosting;
using Apmatrix.VfioAp.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Apmatrix.VfioAp.Reconciliation;

/// <summary>
/// Heals hosts by themselves. A host waiting at a gap (parked events, <c>last_sequence</c> not moving) for longer than
/// <see cref="ReconcileOptions.GapTimeout"/> is reconciled; so is one that the periodic digest check finds behind ApBus
/// without moving, level with it but holding other facts, or ahead of it (ApBus's database restored from an older backup);
/// a host sent events it had applied is compared within a second. Gaps are timed in memory: a restart only starts the clock again.
/// </summary>
public sealed class StalledHostReconciler(IServiceScopeFactory scopes, IOptions<ReconcileOptions> options, RepeatedHosts repeated,
    LogThrottle throttle, ILogger<StalledHostReconciler> log) : BackgroundService
{
    const int CheckPage = 500;

    /// <summary>Snapshot reads a tick for hosts sent events they had applied, so gaps are still healed every second.</summary>
    const int RepeatedPerTick = 64;

    /// <summary>Host to the sequence it was stuck at and since when.</summary>
    readonly Dictionary<string, (long Sequence, DateTimeOffset Since)> _gaps = new(StringComparer.Ordinal);

    /// <summary>Hosts the last digest check found behind ApBus, with the sequence they were at.</summary>
    Dictionary<string, long> _behind = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        // Often enough that a gap is healed within a second of its timeout; the query only reads hosts with parked events.
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Min(settings.GapTimeout.Ticks / 4, TimeSpan.FromSeconds(1).Ticks)));
        var nextCheck = DateTimeOffset.UtcNow + settings.CheckInterval;
        const string key = "reconcile";
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await HealGapsAsync(settings.GapTimeout, stoppingToken);
                await CheckRepeatedAsync(stoppingToken);
                throttle.Reset(key);
                if (DateTimeOffset.UtcNow < nextCheck) continue;
                nextCheck = DateTimeOffset.UtcNow + settings.CheckInterval;
                await CheckDigestsAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Every second during a database outage: a line a minute, and the stack only for what is not an outage.
                if (!throttle.ShouldLog(key, DateTime.UtcNow, out var held)) continue;
                if (DatabaseFaults.IsOutage(e))
                    log.LogWarning("reconciling stalled hosts waits for the database ({Error}); {Held} similar failures not logged", e.GetBaseException().Message, held);
                else
                    log.LogWarning(e, "reconciling stalled hosts failed; trying again later; {Held} similar failures not logged", held);
            }
        }
    }

    async Task HealGapsAsync(TimeSpan gapTimeout, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VfioApDbContext>();
        // A host whose first event has not come yet has parked events and no row: it waits at sequence 0.
        var waiting = await db.PendingBusEvents.AsNoTracking()
            .GroupBy(e => e.HostId)
            .Select(g => new { HostId = g.Key, LastSequence = db.Hosts.Where(h => h.HostId == g.Key).Select(h => (long?)h.LastSequence).FirstOrDefault() ?? 0 })
            .ToDictionaryAsync(h => h.HostId, h => h.LastSequence, StringComparer.Ordinal, cancellationToken);
        var now = DateTimeOffset.UtcNow;
        foreach (var gone in _gaps.Keys.Where(id => !waiting.ContainsKey(id)).ToList()) _gaps.Remove(gone);
        foreach (var (hostId, sequence) in waiting)
        {
            if (!_gaps.TryGetValue(hostId, out var gap) || gap.Sequence != sequence) _gaps[hostId] = (sequence, now);
            else if (now - gap.Since >= gapTimeout && await TryReconcileAsync(hostId,
                         $"waited at sequence {sequence} since {gap.Since:u}", cancellationToken))
                _gaps.Remove(hostId);
        }
    }

    async Task CheckDigestsAsync(CancellationToken cancellationToken)
    {
        var behind = new Dictionary<string, long>(StringComparer.Ordinal);
        var after = "";
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VfioApDbContext>();
            var apBus = scope.ServiceProvider.GetRequiredService<ApBusClient>();
            var hosts = await db.Hosts.AsNoTracking().Where(h => string.Compare(h.HostId, after) > 0)
                .OrderBy(h => h.HostId).Take(CheckPage).ToListAsync(cancellationToken);
            foreach (var row in hosts)
            {
                var snapshot = await apBus.GetSnapshotAsync(row.HostId, cancellationToken);
                if (snapshot is null || await ComparedAsync(row, snapshot, cancellationToken)) continue;
                // Behind ApBus is in flight, unless the host has not moved since the last check.
                if (_behind.GetValueOrDefault(row.HostId, -1) != row.LastSequence)
                {
                    behind[row.HostId] = row.LastSequence;
                    continue;
                }
                await TryReconcileAsync(row.HostId, $"behind ApBus at sequence {row.LastSequence} without moving", cancellationToken);
            }
            if (hosts.Count < CheckPage) break;
            after = hosts[^1].HostId;
        }
        _behind = behind;
    }

    /// <summary>
    /// Hosts sent an event they had applied, asked about at once, at most <see cref="RepeatedPerTick"/> a tick (a broker's
    /// restart redelivers to many): a restored ApBus's next events leave a host ahead of it, or level and holding other
    /// facts when they ran past what it had applied. Hosts not asked when ApBus or the database fails wait for the next tick.
    /// </summary>
    async Task CheckRepeatedAsync(CancellationToken cancellationToken)
    {
        const string key = "repeated";
        var hostIds = repeated.Take(RepeatedPerTick);
        if (hostIds.Count == 0) return;
        var asked = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VfioApDbContext>();
            var apBus = scope.ServiceProvider.GetRequiredService<ApBusClient>();
            foreach (var row in await db.Hosts.AsNoTracking().Where(h => hostIds.Contains(h.HostId)).ToListAsync(cancellationToken))
            {
                if (await apBus.GetSnapshotAsync(row.HostId, cancellationToken) is { } snapshot) await ComparedAsync(row, snapshot, cancellationToken);
                asked.Add(row.HostId);
            }
            throttle.Reset(key);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            foreach (var hostId in hostIds.Where(h => !asked.Contains(h))) repeated.Note(hostId);
            if (throttle.ShouldLog(key, DateTime.UtcNow, out var held))
                log.LogWarning(DatabaseFaults.StackWorthy(e), "asking ApBus about hosts sent events they had applied failed ({Cause}); asking again ({Held} similar failures not logged)",
                    e.GetBaseException().Message, held);
        }
    }

    /// <summary>
    /// The host against ApBus's snapshot, read after the row: ahead of it (applied events come from ApBus's commits, so
    /// ApBus's database fell back), or level with other facts, is reconciled. False when it is behind: the caller judges.
    /// </summary>
    async Task<bool> ComparedAsync(HostRow row, ApBusSnapshot snapshot, CancellationToken cancellationToken)
    {
        if (snapshot.LastSequence > row.LastSequence) return false;
        if (snapshot.LastSequence < row.LastSequence)
            await TryReconcileAsync(row.HostId, $"ahead of ApBus (at {snapshot.LastSequence}) at sequence {row.LastSequence}", cancellationToken);
        else if (snapshot.Digest != HostReconciler.Digest(row))
            await TryReconcileAsync(row.HostId, $"holds other facts than ApBus at sequence {row.LastSequence}", cancellationToken);
        return true;
    }

    /// <summary>
    /// Reconciles one host; a failure (ApBus unreachable, say) is logged once per interval per host and leaves the
    /// other hosts to be healed, and the host is tried again on the next round.
    /// </summary>
    async Task<bool> TryReconcileAsync(string hostId, string why, CancellationToken cancellationToken)
    {
        var key = $"reconcile:{hostId}";
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<HostReconciler>().ReconcileAsync(hostId, cancellationToken);
            log.LogWarning("host {Host}: {Why}; reconciled from ApBus", hostId, why);
            throttle.Reset(key);
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            if (throttle.ShouldLog(key, DateTime.UtcNow, out var held))
                log.LogWarning(DatabaseFaults.StackWorthy(e), "host {Host}: {Why}; reconciling failed ({Cause}), trying again ({Held} similar failures not logged)",
                    hostId, why, e.GetBaseException().Message, held);
            return false;
        }
    }
}
