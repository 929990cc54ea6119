using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

/// <summary>
/// Not ready while the oldest unpublished outbox row is older than <see cref="HealthOptions.OutboxMaxAge"/>: the
/// dispatcher is not getting messages out (no broker, or a publish that never returns).
/// </summary>
public sealed class OutboxAgeCheck<TContext>(MetricsOutbox<TContext> outbox, IOptions<HealthOptions> options) : IHealthCheck
    where TContext : DbContext
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Readiness.OutboxAge((await outbox.Backlog.ReadAsync(cancellationToken)).OldestAge, options.Value.OutboxMaxAge);
}
