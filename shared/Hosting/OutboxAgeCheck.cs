using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

/// <summary>
/// Not ready while the oldest unpublished outbox row is older than <see cref="HealthOptions.OutboxMaxAge"/>: the
/// dispatcher is not getting messages out (no broker, or a publish that never returns).
/// </summary>
public sealed class OutboxAgeCheck<TContext>(IServiceScopeFactory scopes, IOptions<HealthOptions> options) : IHealthCheck
    where TContext : DbContext
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        // The lowest sequence is the oldest row, found through the primary key; the database clock measures the age.
        var ages = await db.Database.SqlQuery<double>($"""
            SELECT extract(epoch FROM now() - created_at)::float8 AS "Value" FROM outbox_messages ORDER BY sequence LIMIT 1
            """).ToListAsync(cancellationToken);
        return Readiness.OutboxAge(ages.Count == 0 ? null : TimeSpan.FromSeconds(Math.Max(0, ages[0])), options.Value.OutboxMaxAge);
    }
}
