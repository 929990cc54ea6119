using Apmatrix.VfioAp.Reconciliation;

namespace Apmatrix.VfioAp.Http;

/// <summary><c>POST /hosts/{host}/reconcile</c>: whether the host was behind ApBus, the guest updates sent, its last sequence before and after.</summary>
public sealed record ReconcileView(string Host, bool Reconciled, int UpdatesSent, long LastSequenceBefore, long LastSequenceAfter, string Digest)
{
    public static ReconcileView From(ReconcileOutcome outcome) => new(outcome.Host, outcome.Reconciled, outcome.UpdatesSent,
        outcome.LastSequenceBefore, outcome.LastSequenceAfter, outcome.Digest);
}
