using Apmatrix.ApModel;
using Apmatrix.Engine;
using Apmatrix.VfioAp.Messaging;
using Apmatrix.VfioAp.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.VfioAp.Reconciliation;

/// <summary>
/// Brings a host up to ApBus's snapshot when bus events were lost: under the host row lock, the engine runs the
/// difference as one synthetic scan, <c>last_sequence</c> becomes the snapshot's, parked events at or below it
/// are dropped and mask reservations checked before it end, all in one transaction. The lock makes one instance reconcile a host at a time, and the sequence
/// check under it keeps a reconcile racing normal events from applying anything twice.
/// A snapshot behind what the host applied is asked for again under the lock: ApBus's sequence never falls while its
/// database lives, so one still behind then means ApBus's database was restored from an older backup (or an event came
/// from elsewhere). The host then takes ApBus's snapshot and sequence, and drops every parked event: they came from the
/// history ApBus lost, and its next events, numbered from the snapshot on, would be dropped as already applied.
/// </summary>
public sealed class HostReconciler(VfioApDbContext db, HostStore store, BusEventApplier applier, ApBusClient apBus,
    ILogger<HostReconciler> log)
{
    public async Task<ReconcileOutcome> ReconcileAsync(string hostId, CancellationToken cancellationToken)
    {
        var snapshot = await SnapshotAsync(hostId, cancellationToken);
        ReconcileOutcome outcome;
        await using (var transaction = await store.BeginAsync(cancellationToken))
        {
            // ApBus's own snapshot may create a host whose first event never came, as that event would have.
            await store.EnsureExistAsync([hostId], HotPlugMode.Batched, cancellationToken);
            var row = await store.LockAsync(hostId, cancellationToken) ?? throw HostStore.NoSuchHost(hostId);
            var before = row.LastSequence;
            var digest = Digest(row);
            // Ahead of the snapshot: events arrived before the lock, or ApBus fell back; now nothing moves the host.
            if (before > snapshot.LastSequence) snapshot = await SnapshotAsync(hostId, cancellationToken);
            var restored = before > snapshot.LastSequence;
            // Level with it and the same digest: nothing was lost.
            if (before == snapshot.LastSequence && digest == snapshot.Digest)
                return new ReconcileOutcome(hostId, false, 0, before, before, digest);
            var host = await store.LoadAsync(row, cancellationToken);
            // After a restore no window of ApBus's is known to be applied here: what this host applied since is another history.
            var updates = host.Engine.ReconcileWith(snapshot.ToTruth(restored ? 0 : before));
            row.LastSequence = snapshot.LastSequence;
            host.Engine.OnBusEventsApplied(snapshot.LastSequence);
            await db.PendingBusEvents.Where(e => e.HostId == hostId && (restored || e.Sequence <= snapshot.LastSequence)).ExecuteDeleteAsync(cancellationToken);
            await store.CommitAsync(transaction, [host], cancellationToken);
            if (restored)
                log.LogWarning("host {Host}: ApBus is at sequence {After}, behind the {Before} applied here: its database is older than this one " +
                               "(restored from a backup?); took its snapshot and sequence, {Updates} guest update(s)", hostId, snapshot.LastSequence, before, updates);
            else
                log.LogWarning("host {Host}: reconciled with ApBus's snapshot, sequence {Before} to {After}, {Updates} guest update(s)",
                    hostId, before, snapshot.LastSequence, updates);
            outcome = new ReconcileOutcome(hostId, true, updates, before, snapshot.LastSequence, Digest(row));
        }
        // Events parked after the snapshot would otherwise wait for the host's next delivery.
        if (await db.PendingBusEvents.AnyAsync(e => e.HostId == hostId && e.Sequence == snapshot.LastSequence + 1, cancellationToken))
            await applier.ApplyParkedAsync(hostId, cancellationToken);
        return outcome;
    }

    async Task<ApBusSnapshot> SnapshotAsync(string hostId, CancellationToken cancellationToken) =>
        await apBus.GetSnapshotAsync(hostId, cancellationToken)
        ?? throw new Engine.MatrixException(Engine.MatrixErrorKind.NotFound, $"ApBus knows no host {hostId}");

    /// <summary>The digest of what the host row holds, to compare with ApBus's at the same sequence.</summary>
    public static string Digest(HostRow row) => BusDigest.Of(row.Config, row.Permissions, row.ReadBoundQueues());
}
