using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Engine;
using Apmatrix.VfioAp.Persistence;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>
/// What one bus event does to a host's engine, with no I/O: a grouped event is its queues' per-queue operations, in
/// their order, so it leaves the engine exactly as the per-queue events it stands for would.
/// </summary>
public static class BusEventOperations
{
    /// <summary>Applies <paramref name="e"/>; says how many queues it carried and how many of its probes wait for scan complete.</summary>
    public static BusEventEffect Apply(VfioApEngine engine, PendingBusEvent e)
    {
        var deferredBefore = engine.DeferredProbes;
        var queues = Run(engine, e);
        return new(queues, engine.DeferredProbes - deferredBefore);
    }

    /// <summary>Runs the event's operations; answers how many queues it carried.</summary>
    static int Run(VfioApEngine engine, PendingBusEvent e)
    {
        switch (e.Kind)
        {
            case BusEventKind.ConfigChanged:
                var change = e.Read<ConfigChanged>();
                engine.OnConfigChanged(change.Current.ToApConfig(), change.Previous.ToApConfig());
                return 0;
            case BusEventKind.QueueProbed:
                Probe(engine, Apqn.FromValue(e.Apqn!.Value), e.Driver!.Value);
                return 1;
            case BusEventKind.QueuesProbed:
                var probed = 0;
                foreach (var run in e.Read<QueuesProbed>().Runs)
                    probed += Each(run.First, run.Last, apqn => Probe(engine, apqn, run.Driver));
                return probed;
            case BusEventKind.QueueRemoved:
                engine.OnQueueRemoved(Apqn.FromValue(e.Apqn!.Value));
                return 1;
            case BusEventKind.QueuesRemoved:
                var removed = 0;
                foreach (var run in e.Read<QueuesRemoved>().Runs)
                    removed += Each(run.First, run.Last, engine.OnQueueRemoved);
                return removed;
            case BusEventKind.ScanComplete:
                engine.OnScanComplete();
                return 0;
            case BusEventKind.BusMasksChanged:
                var masks = e.Read<BusMasksChanged>();
                engine.OnPermissionsChanged(new ApPermissions(Bitmap256.ParseMsb0Hex(masks.Apmask), Bitmap256.ParseMsb0Hex(masks.Aqmask)));
                return 0;
            default:
                return 0;
        }
    }

    // The runs were checked when the event arrived (PendingBusEvent.From).
    static int Each(string first, string last, Action<Apqn> apply)
    {
        ApqnRuns.TryRead(first, last, out var from, out var to);
        foreach (var apqn in ApqnRuns.Each(from, to)) apply(apqn);
        return ApqnRuns.Count(from, to);
    }

    // A queue probed by the host's default driver is not vfio_ap's: it only takes up its place in the order.
    static void Probe(VfioApEngine engine, Apqn apqn, BoundDriver driver)
    {
        if (driver == BoundDriver.VfioAp) engine.OnQueueProbed(apqn);
    }
}

/// <summary>What applying one bus event did, for the metrics: the queues it carried, the probes deferred.</summary>
public readonly record struct BusEventEffect(int Queues, int DeferredProbes);
