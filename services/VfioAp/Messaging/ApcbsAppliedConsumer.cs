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
    /// A guest is suspect only when its batch's acknowledgements say it holds more than the most they acknowledge (else it
    /// applied that version now; more is a re-send a later version overtook, or a past VfioAp lost), or in conflict with
    /// the version it holds. A host VfioAp does not know is left alone: its guests are not VfioAp's to correct.
    /// </summary>
    async Task ResendAboveAsync(IReadOnlyList<ApcbsApplied> messages, CancellationToken cancellationToken)
    {
        var suspects = messages.SelectMany(m => m.Guests.Select(g => (m.HostId, Ack: g)))
            .GroupBy(a => (a.HostId, a.Ack.GuestId))
            .Select(g => (g.Key.HostId, g.Key.GuestId, Holds: g.Max(a => a.Ack.Holds), Acknowledged: g.Max(a => a.Ack.Version),
                Conflict: g.Any(a => a.Ack.Conflict)))
            .Where(a => a.Conflict || a.Holds > a.Acknowledged).ToList();
        if (suspects.Count == 0) return;
        var (hosts, guests) = (suspects.Select(a => a.HostId).ToArray(), suspects.Select(a => a.GuestId).ToArray());
        var numbered = await db.Database.SqlQuery<NumberedGuest>($"""
            SELECT a.host_id AS "HostId", a.name AS "Name", g.version AS "Version"
            FROM unnest({hosts}, {guests}) AS a(host_id, name)
            JOIN hosts h ON h.host_id = a.host_id
            LEFT JOIN guests g ON g.host_id = a.host_id AND g.name = a.name
            """).ToDictionaryAsync(g => (g.HostId, g.Name), g => g.Version ?? 0, cancellationToken);
        var ahead = suspects.Where(a => numbered.TryGetValue((a.HostId, a.GuestId), out var version) && (a.Conflict || a.Holds > version));
        foreach (var host in ahead.GroupBy(a => a.HostId))
        {
            var resent = await store.RunAsync(host.Key, engine => host.Where(a => engine.ResendAbove(a.GuestId, a.Holds)).ToList(), cancellationToken);
            foreach (var (_, guest, holds, _, _) in resent)
                log.LogWarning("guest {Guest} on host {Host} holds a version {Holds} VfioAp never numbered, or numbered with other masks (its database is " +
                               "older than GuestVm's): its APCB is sent again as version {Version}", guest, host.Key, holds, holds + 1);
        }
    }

    sealed record NumberedGuest(string HostId, string Name, long? Version);
}
