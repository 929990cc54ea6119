using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

/// <summary>
/// Not ready while the outbox has waited on its oldest unpublished row for longer than <see cref="HealthOptions.OutboxMaxAge"/>
/// (<see cref="OutboxHead"/>): the dispatcher is not getting messages out (no broker, or a publish that never returns). An
/// old backlog that is being published, held back on purpose or not, is not a failure.
/// </summary>
public sealed class OutboxAgeCheck<TContext>(MetricsOutbox<TContext> outbox, DatabaseSchema<TContext> schema, IOptions<HealthOptions> options)
    : IHealthCheck where TContext : DbContext
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        schema.Migrated
            ? Readiness.OutboxAge((await outbox.Backlog.ReadAsync(cancellationToken)).OldestWaited, options.Value.OutboxMaxAge)
            : Readiness.NotMigrated;
}
