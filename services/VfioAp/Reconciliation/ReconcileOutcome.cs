namespace Apmatrix.VfioAp.Reconciliation;

/// <summary>
/// What one reconcile did: the guest updates it sent and the host's last applied sequence before and after
/// (equal, with no updates, when the host was caught up; after below before when ApBus's database was the older).
/// </summary>
public sealed record ReconcileOutcome(string Host, bool Reconciled, int UpdatesSent, long LastSequenceBefore, long LastSequenceAfter,
    string Digest);
