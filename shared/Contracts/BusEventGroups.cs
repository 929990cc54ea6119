using Apmatrix.ApModel;

namespace Apmatrix.Contracts;

/// <summary>
/// The grouped wire form of a run of bus events, the one rule ApBus sends by and a subscriber may count by: each maximal
/// run of consecutive <see cref="QueueProbed"/> (or <see cref="QueueRemoved"/>) events of one scan becomes one
/// <see cref="QueuesProbed"/> (<see cref="QueuesRemoved"/>) holding them in their order as runs of consecutive APQNs
/// (one driver, and one reason for removals, per run), a new message starting when one holds
/// <see cref="ApqnRuns.MaxRuns"/> runs or <see cref="ApqnRuns.MaxQueues"/> queues; every other event stays.
/// The messages are numbered again from the first event's sequence, one number each.
/// </summary>
public static class BusEventGroups
{
    public static List<IBusEvent> Group(IReadOnlyList<IBusEvent> events)
    {
        var grouped = new List<IBusEvent>();
        for (var i = 0; i < events.Count;)
        {
            var sequence = events[0].Sequence + grouped.Count;
            switch (events[i])
            {
                case QueueProbed first:
                    var probed = Take<QueueProbed>(events, ref i, first.ScanId, p => (p.ScanId, p.Apqn, p.Driver, RemovalReason.ConfigRemoved));
                    grouped.Add(new QueuesProbed(first.HostId, sequence, first.ScanId, [.. probed.Select(r => new ProbedRun(r.First, r.Last, r.Driver))]));
                    break;
                case QueueRemoved first:
                    var removed = Take<QueueRemoved>(events, ref i, first.ScanId, r => (r.ScanId, r.Apqn, r.Driver, r.Reason));
                    grouped.Add(new QueuesRemoved(first.HostId, sequence, first.ScanId, [.. removed.Select(r => new RemovedRun(r.First, r.Last, r.Driver, r.Reason))]));
                    break;
                default:
                    grouped.Add(Renumbered(events[i++], sequence));
                    break;
            }
        }
        return grouped;
    }

    /// <summary>Takes one message's worth of <typeparamref name="T"/> events of one scan from <paramref name="i"/> on, as runs.</summary>
    static List<Run> Take<T>(IReadOnlyList<IBusEvent> events, ref int i, Guid? scan, Func<T, (Guid? Scan, string Apqn, BoundDriver Driver, RemovalReason Reason)> read)
        where T : class, IBusEvent
    {
        var runs = new List<Run>();
        Apqn last = default;
        var queues = 0;
        for (; i < events.Count && queues < ApqnRuns.MaxQueues && events[i] is T e && read(e) is var (eventScan, text, driver, reason) && eventScan == scan; i++, queues++)
        {
            var apqn = Apqn.Parse(text);
            if (runs.Count > 0 && runs[^1] is var open && open.Driver == driver && open.Reason == reason && apqn.Value == last.Value + 1)
                runs[^1] = open with { Last = text };
            else if (runs.Count == ApqnRuns.MaxRuns)
                break;
            else
                runs.Add(new(text, text, driver, reason));
            last = apqn;
        }
        return runs;
    }

    readonly record struct Run(string First, string Last, BoundDriver Driver, RemovalReason Reason);

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
