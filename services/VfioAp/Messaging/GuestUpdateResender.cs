using Apmatrix.Hosting;
using Apmatrix.VfioAp.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>
/// Re-sends guest updates that no ApcbsApplied has acknowledged in time, so a lost message costs a delay, not a
/// guest stuck on old masks. Only each guest's lowest unacknowledged version goes: the guest needs it before any
/// later one, and a guest that is merely slow then gets one extra message, not its whole backlog again.
/// Rows are claimed with SKIP LOCKED, so several instances share the work. Every <see cref="UpdateOptions.VerifyEvery"/>
/// each settled guest is sent its last version again: a duplicate to a guest that holds it, and an acknowledgement
/// that says what the guest holds otherwise (ApcbsAppliedConsumer).
/// </summary>
public sealed class GuestUpdateResender(IServiceScopeFactory scopes, OutboxSignal outbox, IOptions<UpdateOptions> options,
    VfioApMetrics metrics, ILogger<GuestUpdateResender> log) : BackgroundService
{
    const int BatchSize = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var (resendAfter, verifyEvery) = (options.Value.ResendAfter, options.Value.VerifyEvery);
        var outage = new Outage(log, "re-sending unacknowledged guest updates");
        using var timer = new PeriodicTimer(resendAfter / 2);
        var verified = DateTime.UtcNow;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                while (await ResendAsync(resendAfter, stoppingToken) == BatchSize) { }
                if (verifyEvery > TimeSpan.Zero && DateTime.UtcNow - verified >= verifyEvery)
                {
                    // Before the sweep: one that fails waits for the next period, not the next tick, to start over.
                    verified = DateTime.UtcNow;
                    await VerifyAsync(stoppingToken);
                }
                outage.Succeeded();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The timer paces the attempts; the outage only keeps the log to one line each way.
                outage.Failed(e);
            }
        }
    }

    /// <summary>Each guest with a version and nothing unacknowledged gets that version again, a thousand guests a transaction.</summary>
    async Task VerifyAsync(CancellationToken cancellationToken)
    {
        (string Host, string Name) after = ("", "");
        var asked = 0;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<VfioApDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var settled = await db.Guests.FromSql($"""
                SELECT g.* FROM guests g
                WHERE (g.host_id, g.name) > ({after.Host}, {after.Name}) AND g.version > 0
                  AND NOT EXISTS (SELECT FROM guest_updates u WHERE u.host_id = g.host_id AND u.guest = g.name AND u.acked_at IS NULL)
                ORDER BY g.host_id, g.name
                LIMIT {BatchSize}
                """).AsNoTracking().ToListAsync(cancellationToken);
            if (settled.Count == 0) break;
            var hosts = settled.Select(g => g.HostId).Distinct().ToList();
            var mdevs = (await db.Mdevs.AsNoTracking().Where(m => hosts.Contains(m.HostId) && m.Guest != null).ToListAsync(cancellationToken))
                .ToLookup(m => (m.HostId, m.Guest!), m => m.Name);
            var updates = settled.Select(g => new GuestUpdateRow
            {
                HostId = g.HostId, Guest = g.Name, Version = g.Version, Apm = g.Apm, Aqm = g.Aqm, Adm = g.Adm,
                Mdev = mdevs[(g.HostId, g.Name)].FirstOrDefault(),
            });
            await db.EnqueueAsync(GuestUpdateRow.ToMessages(updates), m => m.HostId, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            outbox.Notify();
            (after, asked) = ((settled[^1].HostId, settled[^1].Name), asked + settled.Count);
            if (settled.Count < BatchSize) break;
        }
        if (asked > 0) log.LogInformation("sent {Count} guests their last version again, to find any that holds another", asked);
    }

    async Task<int> ResendAsync(TimeSpan resendAfter, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VfioApDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var due = await db.GuestUpdates.FromSql($"""
            UPDATE guest_updates SET sent_at = now()
            WHERE (host_id, guest, version) IN (
                SELECT u.host_id, u.guest, u.version FROM guest_updates u
                WHERE u.acked_at IS NULL AND u.sent_at < now() - {resendAfter}
                  AND NOT EXISTS (SELECT FROM guest_updates e
                                  WHERE e.host_id = u.host_id AND e.guest = u.guest AND e.version < u.version AND e.acked_at IS NULL)
                ORDER BY u.host_id, u.guest, u.version
                LIMIT {BatchSize}
                FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        if (due.Count == 0) return 0;
        var messages = GuestUpdateRow.ToMessages(due.OrderBy(u => u.HostId, StringComparer.Ordinal).ThenBy(u => u.Guest, StringComparer.Ordinal));
        await db.EnqueueAsync(messages, m => m.HostId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        metrics.Resent(due.Count);
        outbox.Notify();
        log.LogInformation("re-sent {Count} unacknowledged guest updates", due.Count);
        return due.Count;
    }
}
