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
/// A host ahead of the snapshot reads it again once the lock is let go (ApBus's mask change holds its own row while it
/// waits for this one): ApBus's sequence never falls while its database lives, so a second snapshot still below what the
/// host had applied means ApBus's database was restored from an older backup (or an event came from elsewhere). The host
/// then takes ApBus's snapshot and sequence and drops every parked event and mask reservation, all of the history ApBus
/// lost; its next events, numbered from the snapshot on, would otherwise be dropped as already applied.
/// </summary>
public sealed class HostReconciler(VfioApDbContext db, HostStore store, BusEventApplier applier, ApBusClient apBus,
    ILogger<HostReconciler> log)
{
    public async Task<ReconcileOutcome> ReconcileAsync(string hostId, CancellationToken cancellationToken)
    {
        var (outcome, ahead) = await ReconcileAsync(hostId, await SnapshotAsync(hostId, cancellationToken), null, cancellationToken);
        if (ahead is not { } applied) return outcome!;
        (outcome, _) = await ReconcileAsync(hostId, await SnapshotAsync(hostId, cancellationToken), applied, cancellationToken);
        if (outcome!.LastSequenceAfter >= outcome.LastSequenceBefore) return outcome;
        // What ApBus committed while it was read again was dropped as applied: caught up as after any lost event.
        var (caughtUp, _) = await ReconcileAsync(hostId, await SnapshotAsync(hostId, cancellationToken), null, cancellationToken);
        return caughtUp is { Reconciled: true }
            ? outcome with { UpdatesSent = outcome.UpdatesSent + caughtUp.UpdatesSent, LastSequenceAfter = caughtUp.LastSequenceAfter, Digest = caughtUp.Digest }
            : outcome;
    }

    /// <summary>
    /// One reconcile with <paramref name="snapshot"/>, or, for a host ahead of it, the sequence it had applied and nothing
    /// done; <paramref name="appliedBefore"/>: the host had applied that much before the snapshot was read.
    /// </summary>
    async Task<(ReconcileOutcome? Outcome, long? Ahead)> ReconcileAsync(string hostId, ApBusSnapshot snapshot, long? appliedBefore,
        CancellationToken cancellationToken)
    {
        ReconcileOutcome outcome;
        await using (var transaction = await store.BeginAsync(cancellationToken))
        {
            // ApBus's own snapshot may create a host whose first event never came, as that event would have.
            await store.EnsureExistAsync([hostId], HotPlugMode.Batched, cancellationToken);
            var row = await store.LockAsync(hostId, cancellationToken) ?? throw HostStore.NoSuchHost(hostId);
            var before = row.LastSequence;
            var digest = Digest(row);
            var restored = before > snapshot.LastSequence && snapshot.LastSequence < appliedBefore;
            // Ahead of a first snapshot: it is read again. Of a second one the host had not applied: events came meanwhile.
            if (before > snapshot.LastSequence && !restored)
                return appliedBefore is null ? (null, before) : (new ReconcileOutcome(hostId, false, 0, before, before, digest), null);
            // Level with it and the same digest: nothing was lost.
            if (before == snapshot.LastSequence && digest == snapshot.Digest)
                return (new ReconcileOutcome(hostId, false, 0, before, before, digest), null);
            var host = await store.LoadAsync(row, cancellationToken);
            // After a restore no window of ApBus's is known to be applied here: what this host applied since is another history.
            var updates = host.Engine.ReconcileWith(snapshot.ToTruth(restored ? 0 : before));
            row.LastSequence = snapshot.LastSequence;
            if (restored) host.Engine.DropMaskReservations();
            else host.Engine.OnBusEventsApplied(snapshot.LastSequence);
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
        return (outcome, null);
    }

    async Task<ApBusSnapshot> SnapshotAsync(string hostId, CancellationToken cancellationToken) =>
        await apBus.GetSnapshotAsync(hostId, cancellationToken)
        ?? throw new Engine.MatrixException(Engine.MatrixErrorKind.NotFound, $"ApBus knows no host {hostId}");

    /// <summary>The digest of what the host row holds, to compare with ApBus's at the same sequence.</summary>
    public static string Digest(HostRow row) => BusDigest.Of(row.Config, row.Permissions, row.ReadBoundQueues());
}
