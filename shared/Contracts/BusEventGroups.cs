using Apmatrix.ApModel;

namespace Apmatrix.Contracts;

/// <summary>
/// The grouped wire form of a run of bus events, the one rule ApBus sends by and a subscriber may count by: each maximal
/// run of consecutive <see cref="QueueProbed"/> (or <see cref="QueueRemoved"/>) events of one adapter and one scan becomes
/// one <see cref="QueuesProbed"/> (<see cref="QueuesRemoved"/>) holding them in their order; every other event stays.
/// The messages are numbered again from the first event's sequence, one number each.
/// </summary>
public static class BusEventGroups
{
    public static List<IBusEvent> Group(IReadOnlyList<IBusEvent> events)
    {
        var grouped = new List<IBusEvent>(events.Count);
        for (var i = 0; i < events.Count;)
        {
            var sequence = events[0].Sequence + grouped.Count;
            var run = RunLength(events, i);
            grouped.Add(events[i] switch
            {
                QueueProbed first => new QueuesProbed(first.HostId, sequence, first.ScanId,
                    events.Skip(i).Take(run).Cast<QueueProbed>().Select(e => new ProbedQueue(e.Apqn, e.Driver)).ToList()),
                QueueRemoved first => new QueuesRemoved(first.HostId, sequence, first.ScanId,
                    events.Skip(i).Take(run).Cast<QueueRemoved>().Select(e => new RemovedQueue(e.Apqn, e.Driver, e.Reason)).ToList()),
                var other => Renumbered(other, sequence),
            });
            i += run;
        }
        return grouped;
    }

    /// <summary>How many events from <paramref name="start"/> go into one message: 1 unless a queue event starts a run.</summary>
    static int RunLength(IReadOnlyList<IBusEvent> events, int start)
    {
        if (QueueOf(events[start]) is not { } first) return 1;
        var end = start + 1;
        while (end < events.Count && QueueOf(events[end]) is { } next
               && next.Kind == first.Kind && next.ScanId == first.ScanId && next.Adapter == first.Adapter)
            end++;
        return end - start;
    }

    static (Type Kind, Guid? ScanId, int Adapter)? QueueOf(IBusEvent e) => e switch
    {
        QueueProbed p => (typeof(QueueProbed), p.ScanId, Apqn.Parse(p.Apqn).Adapter),
        QueueRemoved r => (typeof(QueueRemoved), r.ScanId, Apqn.Parse(r.Apqn).Adapter),
        _ => null,
    };

    static IBusEvent Renumbered(IBusEvent e, long sequence) => e switch
    {
        ConfigChanged c => c with { Sequence = sequence },
        ScanComplete c => c with { Sequence = sequence },
        BusMasksChanged m => m with { Sequence = sequence },
        QueuesProbed p => p with { Sequence = sequence },
        QueuesRemoved r => r with { Sequence = sequence },
        _ => throw new ArgumentException($"{e.GetType().Name} is not a bus event this rule knows", nameof(e)),
    };
}
