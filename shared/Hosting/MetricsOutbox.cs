using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Apmatrix.Hosting;

/// <summary>The outbox's backlog: rows not yet published, and the age of the oldest (none when empty).</summary>
public sealed record OutboxBacklog(long Waiting, TimeSpan? OldestAge);

/// <summary>
/// Reads <see cref="OutboxBacklog"/> in one statement for both the readiness check and the gauges
/// <c>outbox.waiting</c> and <c>outbox.oldest_age</c>, cached as <see cref="MetricsCache{T}"/> says.
/// </summary>
public sealed class MetricsOutbox<TContext> where TContext : DbContext
{
    public MetricsOutbox(IServiceScopeFactory scopes, ServiceMeter meter, TimeProvider clock, ILogger<MetricsOutbox<TContext>> log)
    {
        Backlog = new MetricsCache<OutboxBacklog>(scopes, (services, cancellationToken) => ReadAsync(services.GetRequiredService<TContext>(),
            cancellationToken), clock, log);
        meter.Meter.CreateObservableGauge("outbox.waiting", () => Backlog.Observe(b => b.Waiting), "{message}", "Outbox rows not yet published");
        meter.Meter.CreateObservableGauge("outbox.oldest_age", () => Backlog.Observe(b => b.OldestAge?.TotalSeconds ?? 0), "s",
            "Age of the oldest outbox row not yet published (0 when the outbox is empty)");
    }

    public MetricsCache<OutboxBacklog> Backlog { get; }

    static async Task<OutboxBacklog> ReadAsync(TContext db, CancellationToken cancellationToken)
    {
        // The oldest row is the lowest sequence, found through the primary key; the database clock measures its age.
        var row = (await db.Database.SqlQuery<BacklogRow>($"""
            SELECT (SELECT count(*) FROM outbox_messages) AS "Waiting",
                   (SELECT extract(epoch FROM now() - created_at)::float8 FROM outbox_messages ORDER BY sequence LIMIT 1) AS "OldestSeconds"
            """).ToListAsync(cancellationToken)).Single();
        return new OutboxBacklog(row.Waiting, row.OldestSeconds is { } s ? TimeSpan.FromSeconds(Math.Max(0, s)) : null);
    }

    sealed class BacklogRow
    {
        public long Waiting { get; init; }
        public double? OldestSeconds { get; init; }
    }
}
