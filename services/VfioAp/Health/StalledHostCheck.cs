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
public sealed class StalledHostCheck(IServiceScopeFactory scopes, IOptions<HealthOptions> options, TimeProvider clock) : IHealthCheck
{
    readonly StalledHosts _hosts = new(options.Value.StalledHostAfter);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<VfioApDbContext>();
        var parked = await db.Database.SqlQuery<ParkedHost>($"""
            SELECT h.host_id AS "HostId", h.last_sequence AS "LastSequence", min(p.sequence) AS "FirstParked"
            FROM hosts h JOIN pending_bus_events p ON p.host_id = h.host_id AND p.sequence > h.last_sequence
            GROUP BY h.host_id, h.last_sequence
            """).ToListAsync(cancellationToken);
        return _hosts.Observe(parked, clock.GetUtcNow().UtcDateTime);
    }
}
