using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>What a host's guest updates plugged: updates that gave a guest queues it lacked, and how many queues; no I/O.</summary>
public readonly record struct HotPlugs(int Updates, int Apqns)
{
    /// <summary>Each update against the guest's APCB before it: the stored one for the first, the previous update's after.</summary>
    public static HotPlugs Count(Func<string, ApMatrix> stored, IEnumerable<GuestApcbUpdate> updates)
    {
        var current = new Dictionary<string, ApMatrix>(StringComparer.Ordinal);
        var (plugs, apqns) = (0, 0);
        foreach (var update in updates)
        {
            var before = current.TryGetValue(update.Guest, out var known) ? known : stored(update.Guest);
            var added = Added(before, update.Apcb);
            if (added > 0) (plugs, apqns) = (plugs + 1, apqns + added);
            current[update.Guest] = update.Apcb;
        }
        return new HotPlugs(plugs, apqns);
    }

    /// <summary>Queues in <paramref name="after"/>'s apm x aqm and not in <paramref name="before"/>'s: both are cross products.</summary>
    public static int Added(ApMatrix before, ApMatrix after) =>
        after.Apm.Count * after.Aqm.Count - (after.Apm & before.Apm).Count * (after.Aqm & before.Aqm).Count;
}
