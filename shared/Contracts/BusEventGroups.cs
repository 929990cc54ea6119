using Apmatrix.ApModel;

namespace Apmatrix.Contracts;

/// <summary>
/// The grouped wire form of a run of bus events, the one rule ApBus sends by and a subscriber may count by: each maximal
/// stretch of consecutive <see cref="QueueProbed"/> (or <see cref="QueueRemoved"/>) events of one scan becomes one
/// <see cref="QueuesProbed"/> (<see cref="QueuesRemoved"/>) holding them in their order as runs of consecutive APQNs
/// (one driver, and one reason for removals, per run), a new message starting when one holds
/// <see cref="ApqnRuns.MaxRuns"/> runs or <see cref="ApqnRuns.MaxQueues"/> queues; every other event stays.
/// The messages are numbered again from the first event's sequence, one number each. Events are added one at a time,
/// so ApBus can group a scan's queues as the bus reports them without making an event of each.
/// </summary>
public sealed class BusEventGroups(long firstSequence)
{
    readonly List<IBusEvent> _closed = [];
    Stretch? _open;

    public static List<IBusEvent> Group(IReadOnlyList<IBusEvent> events)
    {
        if (events.Count == 0) return [];
        var groups = new BusEventGroups(events[0].Sequence);
        foreach (var e in events) groups.Add(e);
        return groups.Messages();
    }

    /// <summary>How many messages the events added so far make.</summary>
    public int Count => _closed.Count + (_open is null ? 0 : 1);

    /// <summary>The messages the events added so far make; more may still join the last.</summary>
    public List<IBusEvent> Messages() => _open is null ? [.. _closed] : [.. _closed, _open.ToMessage()];

    public void Add(IBusEvent e)
    {
        switch (e)
        {
            case QueueProbed p:
                AddQueue(p.HostId, p.ScanId, Apqn.Parse(p.Apqn), p.Driver, null);
                break;
            case QueueRemoved r:
                AddQueue(r.HostId, r.ScanId, Apqn.Parse(r.Apqn), r.Driver, r.Reason);
                break;
            default:
                Close();
                _closed.Add(Renumbered(e, NextSequence));
                break;
        }
    }

    public void AddProbed(string hostId, Guid? scanId, Apqn apqn, BoundDriver driver) => AddQueue(hostId, scanId, apqn, driver, null);

    public void AddRemoved(string hostId, Guid? scanId, Apqn apqn, BoundDriver driver, RemovalReason reason) =>
        AddQueue(hostId, scanId, apqn, driver, reason);

    long NextSequence => firstSequence + _closed.Count;

    /// <summary>A removal has a reason, a probe none.</summary>
    void AddQueue(string hostId, Guid? scanId, Apqn apqn, BoundDriver driver, RemovalReason? reason)
    {
        if (_open is not { } open || !open.Takes(scanId, apqn, driver, reason))
        {
            Close();
            _open = new Stretch(hostId, scanId, reason.HasValue, NextSequence);
        }
        _open.Add(apqn, driver, reason ?? default);
    }

    void Close()
    {
        if (_open is null) return;
        _closed.Add(_open.ToMessage());
        _open = null;
    }

    /// <summary>The queue events of one message being gathered.</summary>
    sealed class Stretch(string hostId, Guid? scanId, bool removals, long sequence)
    {
        readonly List<(Apqn First, Apqn Last, BoundDriver Driver, RemovalReason Reason)> _runs = [];
        int _queues;

        public bool Takes(Guid? scan, Apqn apqn, BoundDriver driver, RemovalReason? reason) =>
            scan == scanId && reason.HasValue == removals && _queues < ApqnRuns.MaxQueues
            && (_runs.Count < ApqnRuns.MaxRuns || Extends(apqn, driver, reason ?? default));

        bool Extends(Apqn apqn, BoundDriver driver, RemovalReason reason) =>
            _runs[^1] is var last && last.Driver == driver && last.Reason == reason && apqn.Value == last.Last.Value + 1;

        public void Add(Apqn apqn, BoundDriver driver, RemovalReason reason)
        {
            if (_runs.Count > 0 && Extends(apqn, driver, reason)) _runs[^1] = _runs[^1] with { Last = apqn };
            else _runs.Add((apqn, apqn, driver, reason));
            _queues++;
        }

        public IBusEvent ToMessage() => removals
            ? new QueuesRemoved(hostId, sequence, scanId, [.. _runs.Select(r => new RemovedRun(r.First.ToString(), r.Last.ToString(), r.Driver, r.Reason))])
            : new QueuesProbed(hostId, sequence, scanId, [.. _runs.Select(r => new ProbedRun(r.First.ToString(), r.Last.ToString(), r.Driver))]);
    }

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
