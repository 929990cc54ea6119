using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Apmatrix.Hosting;

/// <summary>
/// The outbox's backlog: rows not yet published, the age of the oldest, and how long that one has been the oldest
/// (<see cref="OutboxHead"/>); none when empty.
/// </summary>
public sealed record OutboxBacklog(long Waiting, TimeSpan? OldestAge, TimeSpan? OldestWaited);

/// <summary>
/// Reads <see cref="OutboxBacklog"/> in one statement for both the readiness check and the gauges
/// <c>outbox.waiting</c> and <c>outbox.oldest_age</c>, cached as <see cref="MetricsCache{T}"/> says.
/// </summary>
public sealed class MetricsOutbox<TContext> where TContext : DbContext
{
    public MetricsOutbox(IServiceScopeFactory scopes, DatabaseSchema<TContext> schema, ServiceMeter meter, TimeProvider clock,
        ILogger<MetricsOutbox<TContext>> log)
    {
        Backlog = new MetricsCache<OutboxBacklog>(scopes, (services, cancellationToken) => schema.Migrated
            ? ReadAsync(services.GetRequiredService<TContext>(), clock, cancellationToken)
            : throw new InvalidOperationException(Readiness.NotMigrated.Description), clock, log);
        meter.Meter.CreateObservableGauge(meter.Name("outbox.waiting"), () => Backlog.Observe(b => b.Waiting), "{message}", "Outbox rows not yet published");
        meter.Meter.CreateObservableGauge(meter.Name("outbox.oldest_age"), () => Backlog.Observe(b => b.OldestAge?.TotalSeconds ?? 0), "s",
            "Age of the oldest outbox row not yet published (0 when the outbox is empty)");
    }

    public MetricsCache<OutboxBacklog> Backlog { get; }

    readonly OutboxHead _head = new();

    async Task<OutboxBacklog> ReadAsync(TContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        // The oldest row is the lowest sequence, found through the primary key; the database clock measures its age.
        var row = (await db.Database.SqlQuery<BacklogRow>($"""
            SELECT (SELECT count(*) FROM outbox_messages) AS "Waiting", o.sequence AS "OldestSequence",
                   extract(epoch FROM now() - o.created_at)::float8 AS "OldestSeconds"
            FROM (SELECT 1) AS one
            LEFT JOIN LATERAL (SELECT sequence, created_at FROM outbox_messages ORDER BY sequence LIMIT 1) AS o ON true
            """).ToListAsync(cancellationToken)).Single();
        var age = row.OldestSeconds is { } s ? TimeSpan.FromSeconds(Math.Max(0, s)) : (TimeSpan?)null;
        return new OutboxBacklog(row.Waiting, age, _head.Observe(row.OldestSequence, age, clock.GetUtcNow().UtcDateTime));
    }

    sealed class BacklogRow
    {
        public long Waiting { get; init; }
        public long? OldestSequence { get; init; }
        public double? OldestSeconds { get; init; }
    }
}
