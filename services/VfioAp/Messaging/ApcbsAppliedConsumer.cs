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
    /// Each guest's acknowledgements are held against what VfioAp numbered for it, in one statement: a guest holding more
    /// (a version from a past VfioAp lost, even one it applied just now from a message of that past) or in conflict with the
    /// version it holds is sent its APCB again. A guest VfioAp never numbered is left alone: another deployment's, on a
    /// broker it shares, are not its to correct; an acknowledgement from a GuestVm that says nothing of what it holds
    /// (before 2026-12-06) is not judged.
    /// </summary>
    async Task ResendAboveAsync(IReadOnlyList<ApcbsApplied> messages, CancellationToken cancellationToken)
    {
        var suspects = messages.SelectMany(m => m.Guests.Select(g => (m.HostId, Ack: g)))
            .GroupBy(a => (a.HostId, a.Ack.GuestId))
            .Select(g => (g.Key.HostId, g.Key.GuestId, Holds: g.Max(a => a.Ack.Holds), Conflict: g.Any(a => a.Ack.Conflict)))
            .Where(a => a.Conflict || a.Holds > 0).ToList();
        if (suspects.Count == 0) return;
        var (hosts, guests) = (suspects.Select(a => a.HostId).ToArray(), suspects.Select(a => a.GuestId).ToArray());
        // In the suspects' order: the version VfioAp numbered last for each, 0 for a guest or host it does not know.
        var numbered = await db.Database.SqlQuery<long>($"""
            SELECT coalesce(g.version, 0) AS "Value"
            FROM unnest({hosts}, {guests}) WITH ORDINALITY AS a(host_id, name, n)
            LEFT JOIN guests g ON g.host_id = a.host_id AND g.name = a.name
            ORDER BY a.n
            """).ToListAsync(cancellationToken);
        var ahead = suspects.Zip(numbered).Where(s => s.Second > 0 && (s.First.Conflict || s.First.Holds > s.Second)).Select(s => s.First);
        foreach (var host in ahead.GroupBy(a => a.HostId))
        {
            var resent = await store.RunAsync(host.Key, engine => host.Where(a => engine.ResendAbove(a.GuestId, a.Holds)).ToList(), cancellationToken);
            foreach (var (_, guest, holds, _) in resent)
                log.LogWarning("guest {Guest} on host {Host} holds a version {Holds} VfioAp never numbered, or numbered with other masks (VfioAp's " +
                               "database older than GuestVm's, or an update VfioAp did not send): its APCB is sent again as version {Version}", guest, host.Key, holds, holds + 1);
        }
    }
}
