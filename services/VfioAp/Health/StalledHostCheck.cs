using Apmatrix.Hosting;
using Apmatrix.VfioAp.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Apmatrix.VfioAp.Health;

/// <summary>
/// Not ready while a host has waited at a gap in its bus events for longer than <see cref="HealthOptions.StalledHostAfter"/>;
/// a singleton, since how long a host has waited is remembered between checks.
/// </summary>
public sealed class StalledHostCheck(IServiceScopeFactory scopes, DatabaseSchema<VfioApDbContext> schema, IOptions<HealthOptions> options,
    TimeProvider clock) : IHealthCheck
{
    readonly StalledHosts _hosts = new(options.Value.StalledHostAfter);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!schema.Migrated) return Readiness.NotMigrated;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VfioApDbContext>();
        var parked = await db.Database.SqlQuery<ParkedHost>($"""
            SELECT p.host_id AS "HostId", coalesce(h.last_sequence, 0) AS "LastSequence", min(p.sequence) AS "FirstParked"
            FROM pending_bus_events p LEFT JOIN hosts h ON h.host_id = p.host_id
            WHERE p.sequence > coalesce(h.last_sequence, 0)
            GROUP BY p.host_id, h.last_sequence
            """).ToListAsync(cancellationToken);
        return _hosts.Observe(parked, clock.GetUtcNow().UtcDateTime);
    }
}
