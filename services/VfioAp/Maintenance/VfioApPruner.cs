using Apmatrix.Hosting;
using Apmatrix.VfioAp.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Apmatrix.VfioAp.Maintenance;

/// <summary>
/// Deletes what VfioAp can never need again: acknowledged guest updates older than <see cref="RetentionOptions.KeepFor"/>
/// except each guest's latest acknowledged one (it is the guest's <c>acknowledgedVersion</c>), and parked bus events at
/// or below their host's last applied sequence (repeats that can never apply). Events parked after a gap are kept: the
/// host needs them once the gap fills, and readiness names the host meanwhile.
/// </summary>
public sealed class VfioApPruner(IServiceScopeFactory scopes, IOptions<RetentionOptions> options, LogThrottle throttle, TimeProvider clock,
    ILogger<VfioApPruner> log) : Pruner<VfioApDbContext>(scopes, options, throttle, clock, log)
{
    protected override IReadOnlyList<PruneStep<VfioApDbContext>> Steps { get; } =
    [
        new("acknowledged guest updates", (db, cutoff, limit, ct) => db.Database.ExecuteSqlAsync($"""
            DELETE FROM guest_updates WHERE ctid IN (
                SELECT u.ctid FROM guest_updates u
                WHERE u.acked_at < {cutoff}
                  AND EXISTS (SELECT FROM guest_updates later
                              WHERE later.host_id = u.host_id AND later.guest = u.guest AND later.version > u.version AND later.acked_at IS NOT NULL)
                LIMIT {limit})
            """, ct)),
        new("applied parked bus events", (db, _, limit, ct) => db.Database.ExecuteSqlAsync($"""
            DELETE FROM pending_bus_events WHERE ctid IN (
                SELECT p.ctid FROM pending_bus_events p JOIN hosts h ON h.host_id = p.host_id
                WHERE p.sequence <= h.last_sequence
                LIMIT {limit})
            """, ct)),
    ];
}
