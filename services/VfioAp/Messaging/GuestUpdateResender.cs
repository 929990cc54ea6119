using Apmatrix.Hosting;
using Apmatrix.VfioAp.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>
/// Re-sends guest updates that no ApcbsApplied has acknowledged in time, so a lost message costs a delay, not a
/// guest stuck on old masks. Only each guest's lowest unacknowledged version goes: the guest needs it before any
/// later one, and a guest that is merely slow then gets one extra message, not its whole backlog again.
/// Rows are claimed with SKIP LOCKED, so several instances share the work.
/// </summary>
public sealed class GuestUpdateResender(IServiceScopeFactory scopes, OutboxSignal outbox, IOptions<UpdateOptions> options,
    VfioApMetrics metrics, ILogger<GuestUpdateResender> log) : BackgroundService
{
    const int BatchSize = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var resendAfter = options.Value.ResendAfter;
        var outage = new Outage(log, "re-sending unacknowledged guest updates");
        using var timer = new PeriodicTimer(resendAfter / 2);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                while (await ResendAsync(resendAfter, stoppingToken) == BatchSize) { }
                outage.Succeeded();
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The timer paces the attempts; the outage only keeps the log to one line each way.
                outage.Failed(e);
            }
        }
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
