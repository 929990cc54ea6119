using Apmatrix.Contracts;
using Apmatrix.Hosting;
using Apmatrix.VfioAp.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>
/// Marks guest updates acknowledged, a batch of acknowledgements in one statement. A guest applies its versions
/// in order, so having version v it has every earlier one: all of them are acknowledged. A guest that holds a version
/// VfioAp never numbered (its database is older than GuestVm's) is sent VfioAp's APCB for it again, above that version.
/// </summary>
public sealed class ApcbsAppliedConsumer(VfioApDbContext db, HostStore store, VfioApMetrics metrics, ILogger<ApcbsAppliedConsumer> log)
    : IConsumer<Batch<ApcbsApplied>>
{
    public Task Consume(ConsumeContext<Batch<ApcbsApplied>> context) => BatchIsolation.ApplyAsync(context, AcknowledgeAsync);

    async Task AcknowledgeAsync(IReadOnlyList<ApcbsApplied> messages, CancellationToken cancellationToken)
    {
        var acks = messages.SelectMany(m => m.Guests.Select(g => (m.HostId, g.GuestId, g.Version))).ToList();
        var hosts = acks.Select(a => a.HostId).ToArray();
        var guests = acks.Select(a => a.GuestId).ToArray();
        var versions = acks.Select(a => a.Version).ToArray();
        // One statement, committed on its own: what it returns was acknowledged, each update once.
        var scanToApplied = await db.Database.SqlQuery<double?>($"""
            UPDATE guest_updates u SET acked_at = now()
            FROM unnest({hosts}, {guests}, {versions}) AS a(host_id, guest, version)
            WHERE u.host_id = a.host_id AND u.guest = a.guest AND u.version <= a.version AND u.acked_at IS NULL
            RETURNING CASE WHEN u.scan_caused THEN extract(epoch FROM now() - u.created_at)::float8 END AS "Value"
            """).ToListAsync(cancellationToken);
        metrics.ScanApplied(scanToApplied.OfType<double>());
        await ResendAboveAsync(messages, cancellationToken);
    }

    /// <summary>
    /// Only an acknowledgement holding more than it acknowledges can be ahead of VfioAp (else a re-send a later version
    /// overtook), or one in conflict with the version the guest holds.
    /// </summary>
    async Task ResendAboveAsync(IReadOnlyList<ApcbsApplied> messages, CancellationToken cancellationToken)
    {
        var ahead = messages.SelectMany(m => m.Guests.Where(g => g.Holds > g.Version || g.Conflict).Select(g => (m.HostId, g.GuestId, g.Holds, g.Conflict)))
            .GroupBy(a => (a.HostId, a.GuestId))
            .Select(g => (g.Key.HostId, g.Key.GuestId, Holds: g.Max(a => a.Holds), Conflict: g.Any(a => a.Conflict))).ToList();
        if (ahead.Count == 0) return;
        var (hosts, guests) = (ahead.Select(a => a.HostId).ToArray(), ahead.Select(a => a.GuestId).ToArray());
        var numbered = await db.Guests.FromSql($"""
            SELECT g.* FROM guests g JOIN unnest({hosts}, {guests}) AS a(host_id, name) ON g.host_id = a.host_id AND g.name = a.name
            """).AsNoTracking().ToDictionaryAsync(g => (g.HostId, g.Name), g => g.Version, cancellationToken);
        foreach (var host in ahead.Where(a => a.Conflict || a.Holds > numbered.GetValueOrDefault((a.HostId, a.GuestId))).GroupBy(a => a.HostId))
        {
            var resent = await store.RunAsync(host.Key, engine => host.Where(a => engine.ResendAbove(a.GuestId, a.Holds)).ToList(), cancellationToken);
            foreach (var (_, guest, holds, _) in resent)
                log.LogWarning("guest {Guest} on host {Host} holds version {Holds}, which VfioAp never numbered (its database is older than GuestVm's): " +
                               "its APCB is sent again as version {Version}", guest, host.Key, holds, holds + 1);
        }
    }
}
