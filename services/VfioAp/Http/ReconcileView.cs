using Apmatrix.VfioAp.Reconciliation;

namespace Apmatrix.VfioAp.Http;

/// <summary><c>POST /hosts/{host}/reconcile</c>: whether the host differed from ApBus (behind it, holding other facts, or ahead of an ApBus restored from an older backup), the guest updates sent, its last sequence before and after.</summary>
public sealed record ReconcileView(string Host, bool Reconciled, int UpdatesSent, long LastSequenceBefore, long LastSequenceAfter, string Digest)
{
    public static ReconcileView From(ReconcileOutcome outcome) => new(outcome.Host, outcome.Reconciled, outcome.UpdatesSent,
        outcome.LastSequenceBefore, outcome.LastSequenceAfter, outcome.Digest);
}
