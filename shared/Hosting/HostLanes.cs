namespace Apmatrix.Hosting;

/// <summary>
/// One stream split into lanes by host: the exchange <see cref="Name"/> (consistent hash of the routing key, which the
/// outbox sets to the host) takes every message of <see cref="Sources"/>' exchanges and hands each host's to one of the
/// queues <c>Name-0</c> .. <c>Name-(Count-1)</c>, each with a single active consumer. So a host's messages stay in one
/// queue in the order published, and one host's backlog holds back only the hosts that hash to its lane.
/// </summary>
public sealed record HostLanes(string Name, int Count, IReadOnlyList<Type> Sources)
{
    public const int MaxCount = 256;

    /// <summary>The queue of lane <paramref name="lane"/>, before the queue prefix.</summary>
    public string Queue(int lane) => QueueOf(Name, lane);

    public static string QueueOf(string name, int lane) => $"{name}-{lane}";

    /// <summary>
    /// The lanes that are not <paramref name="self"/>'s when the instances holding <paramref name="members"/> (slots, in any
    /// order) share them: ranked by slot, the member of rank r owns the lanes whose number is r modulo their count. None
    /// when <paramref name="self"/> is not among them.
    /// </summary>
    public IReadOnlyList<int> NotOwnedBy(int self, IReadOnlyCollection<int> members)
    {
        var ranked = members.Distinct().Order().ToList();
        var rank = ranked.IndexOf(self);
        return rank < 0 ? [] : [.. Enumerable.Range(0, Count).Where(lane => lane % ranked.Count != rank)];
    }
}
