using Apmatrix.Contracts;
using Apmatrix.ApModel;
using Apmatrix.ApBus.Messaging;
using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Apmatrix.ApBus.Persistence;

/// <summary>
/// Runs one operation on a host's bus as one transaction: lock the host row, restore its bus, run the
/// operation while recording every event with the next sequence, save the row, write the events to the
/// outbox, commit. A crash at any point loses or reorders nothing.
/// </summary>
public sealed class HostStore(ApBusDbContext db, OutboxSignal outbox)
{
    /// <summary>
    /// Bus events per outbox row: a full-scale scan's 65,538 per-queue events are 2,050 rows to write and delete, not
    /// 65,538, and a row is small beside the lead (<see cref="Messaging.BusEventLeadOptions"/>) a host keeps to.
    /// </summary>
    public const int EventsPerRow = 32;

    /// <summary>The first key of the advisory lock a host's definition takes; the second is the host's hash.</summary>
    const int DefineLockClass = 0x0b0e;

    public delegate Task Operation(HostBus bus, BusEventRecorder recorder, CancellationToken cancellationToken);

    public Task<HostRecord?> FindAsync(string hostId, CancellationToken cancellationToken) =>
        db.Hosts.AsNoTracking().SingleOrDefaultAsync(h => h.Id == hostId, cancellationToken);

    public Task<List<HostRecord>> ListAsync(HostPage page, CancellationToken cancellationToken) =>
        db.Hosts.AsNoTracking().Where(h => page.After == null || h.Id.CompareTo(page.After) > 0).OrderBy(h => h.Id).Take(page.Limit)
            .ToListAsync(cancellationToken);

    /// <summary>
    /// The host as committed once any change of it in progress has ended (FOR SHARE waits for its FOR UPDATE, the shared
    /// lock for a definition, which has no row to lock until it commits): a mask change whose check is older than the read
    /// can no longer commit after it, which VfioAp relies on to end a left reservation.
    /// </summary>
    public async Task<HostRecord?> SnapshotAsync(string hostId, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock_shared({DefineLockClass}, hashtext({hostId}))", cancellationToken);
        // A statement of its own, after the wait: read committed reads what committed before it started.
        var found = (await db.Hosts.FromSql($"SELECT * FROM hosts WHERE host_id = {hostId} FOR SHARE").AsNoTracking().ToListAsync(cancellationToken))
            .SingleOrDefault();
        await transaction.CommitAsync(cancellationToken);
        return found;
    }

    /// <summary>
    /// A new host's bus starts empty: its masks are announced first, then it scans its initial configuration
    /// (config changed from empty, every probe, scan complete), all in its event form from the first.
    /// <paramref name="checkMasks"/> runs once the host is known to be new, before anything is written;
    /// <paramref name="notMade"/> as in <see cref="ChangeAsync"/>. A host that stands as this definition makes it (a client
    /// asking again after a lost answer) is left as it is, not created; any other host of that name is refused.
    /// </summary>
    public async Task<(long LastSequence, bool Created)> DefineAsync(string hostId, ApConfig initial, ApPermissions permissions, BusEventForm form,
        Func<CancellationToken, Task> checkMasks, Func<Task> notMade, CancellationToken cancellationToken)
    {
        var committing = false;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // Definitions of one host wait for each other, so a repeat finds the row instead of failing on its key (an error in the log).
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({DefineLockClass}, hashtext({hostId}))", cancellationToken);
            if (await db.Hosts.AsNoTracking().SingleOrDefaultAsync(h => h.Id == hostId, cancellationToken) is { } existing)
                return existing.Config == initial && existing.Permissions == permissions && existing.EventForm == form && existing.OpenScanId is null
                    ? (existing.LastSequence, false)
                    : throw new ApBusException(ApBusErrorKind.Exists, $"host {hostId} is defined already, and not as this request defines it " +
                        $"(configuration, masks or event form): PUT /hosts/{hostId}/config and /masks change it");
            await checkMasks(cancellationToken);
            var bus = new HostBus(initial with { Apm = Bitmap256.Empty, Aqm = Bitmap256.Empty, Adm = Bitmap256.Empty }, ApPermissions.None);
            var host = new HostRecord { Id = hostId, EventForm = form };
            var recorder = host.Recorder();
            // vfio_ap must know the masks before any probe, or it would let an mdev take a reserved queue.
            if (permissions != ApPermissions.None) bus.SetPermissions(permissions, recorder);
            bus.Scan(initial, recorder);
            host.Save(bus, recorder);
            db.Hosts.Add(host);
            await db.SaveChangesAsync(cancellationToken);
            await CommitAsync(transaction, recorder, cancellationToken, () => committing = true);
            return (host.LastSequence, true);
        }
        catch when (!committing)
        {
            await notMade();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on the locked host and commits what it recorded. <paramref name="notMade"/> runs,
    /// after the rollback, when a failure came before the commit was sent: then the change is certainly not made (a failed
    /// commit may still have been made, so it does not run then).
    /// </summary>
    public async Task<long> ChangeAsync(string hostId, Operation operation, CancellationToken cancellationToken, Func<Task>? notMade = null)
    {
        var committing = false;
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var hosts = await db.Hosts.FromSql($"SELECT * FROM hosts WHERE host_id = {hostId} FOR UPDATE").ToListAsync(cancellationToken);
            var host = hosts.SingleOrDefault() ?? throw new ApBusException(ApBusErrorKind.NotFound, $"no host {hostId}");
            var bus = host.ToBus();
            var recorder = host.Recorder();
            await operation(bus, recorder, cancellationToken);
            if (recorder.Messages.Count == 0) return host.LastSequence;
            host.Save(bus, recorder);
            await db.SaveChangesAsync(cancellationToken);
            await CommitAsync(transaction, recorder, cancellationToken, () => committing = true);
            return host.LastSequence;
        }
        catch when (notMade is not null && !committing)
        {
            await notMade();
            throw;
        }
    }

    async Task CommitAsync(IDbContextTransaction transaction, BusEventRecorder recorder, CancellationToken cancellationToken,
        Action? committing = null)
    {
        await db.EnqueueAsync(recorder.Messages, m => m.HostId, cancellationToken, EventsPerRow);
        committing?.Invoke();
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
    }

}
