using Apmatrix.GuestVm.Http;
using Apmatrix.GuestVm.Persistence;
using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Apmatrix.GuestVm.Maintenance;

/// <summary>
/// Deletes what GuestVm can never need again: APCB history older than <see cref="RetentionOptions.KeepFor"/> outside each
/// guest's latest <see cref="KeepNewest"/> versions (what <c>GET /hosts/{host}/guests/{guest}</c> shows by default, so
/// that answer never changes because of pruning), and parked versions at or below the guest's applied version (repeats).
/// Versions parked after a gap are kept: the guest needs them once the gap fills.
/// </summary>
public sealed class GuestVmPruner(IServiceScopeFactory scopes, IOptions<RetentionOptions> options, LogThrottle throttle, TimeProvider clock,
    ILogger<GuestVmPruner> log) : Pruner<GuestVmDbContext>(scopes, options, throttle, clock, log)
{
    public const int KeepNewest = GuestApi.DefaultHistory;

    protected override IReadOnlyList<PruneStep<GuestVmDbContext>> Steps { get; } =
    [
        new("APCB history entries", (db, cutoff, limit, ct) => db.Database.ExecuteSqlAsync($"""
            DELETE FROM apcb_history WHERE ctid IN (
                SELECT h.ctid FROM apcb_history h JOIN guests g ON g.host_id = h.host_id AND g.guest_id = h.guest_id
                WHERE h.applied_at < {cutoff} AND h.version <= g.version - {KeepNewest}
                LIMIT {limit})
            """, ct)),
        new("applied parked versions", (db, _, limit, ct) => db.Database.ExecuteSqlAsync($"""
            DELETE FROM pending_apcb WHERE ctid IN (
                SELECT p.ctid FROM pending_apcb p JOIN guests g ON g.host_id = p.host_id AND g.guest_id = p.guest_id
                WHERE p.version <= g.version
                LIMIT {limit})
            """, ct)),
    ];
}
