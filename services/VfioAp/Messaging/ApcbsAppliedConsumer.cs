using Apmatrix.Contracts;
using Apmatrix.Hosting;
using Apmatrix.VfioAp.Persistence;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>
/// Marks guest updates acknowledged, a batch of acknowledgements in one statement. A guest applies its versions
/// in order, so having version v it has every earlier one: all of them are acknowledged.
/// </summary>
public sealed class ApcbsAppliedConsumer(VfioApDbContext db, VfioApMetrics metrics) : IConsumer<Batch<ApcbsApplied>>
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
    }
}
