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
                var probed = e.Read<QueuesProbed>().Queues;
                foreach (var queue in probed) Probe(engine, Apqn.Parse(queue.Apqn), queue.Driver);
                return probed.Count;
            case BusEventKind.QueueRemoved:
                engine.OnQueueRemoved(Apqn.FromValue(e.Apqn!.Value));
                return 1;
            case BusEventKind.QueuesRemoved:
                var removed = e.Read<QueuesRemoved>().Queues;
                foreach (var queue in removed) engine.OnQueueRemoved(Apqn.Parse(queue.Apqn));
                return removed.Count;
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

    // A queue probed by the host's default driver is not vfio_ap's: it only takes up its place in the order.
    static void Probe(VfioApEngine engine, Apqn apqn, BoundDriver driver)
    {
        if (driver == BoundDriver.VfioAp) engine.OnQueueProbed(apqn);
    }
}

/// <summary>What applying one bus event did, for the metrics: the queues it carried, the probes deferred.</summary>
public readonly record struct BusEventEffect(int Queues, int DeferredProbes);
