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
        switch (e.Kind)
        {
            case BusEventKind.ConfigChanged:
                var change = e.Read<ConfigChanged>();
                engine.OnConfigChanged(change.Current.ToApConfig(), change.Previous.ToApConfig());
                return default;
            case BusEventKind.QueueProbed:
                return new(1, Probe(engine, Deferring(engine), Apqn.FromValue(e.Apqn!.Value), e.Driver!.Value));
            case BusEventKind.QueuesProbed:
                var probed = e.Read<QueuesProbed>().Queues;
                var deferring = Deferring(engine);
                var deferred = 0;
                foreach (var queue in probed) deferred += Probe(engine, deferring, Apqn.Parse(queue.Apqn), queue.Driver);
                return new(probed.Count, deferred);
            case BusEventKind.QueueRemoved:
                engine.OnQueueRemoved(Apqn.FromValue(e.Apqn!.Value));
                return new(1, 0);
            case BusEventKind.QueuesRemoved:
                var removed = e.Read<QueuesRemoved>().Queues;
                foreach (var queue in removed) engine.OnQueueRemoved(Apqn.Parse(queue.Apqn));
                return new(removed.Count, 0);
            case BusEventKind.ScanComplete:
                engine.OnScanComplete();
                return default;
            case BusEventKind.BusMasksChanged:
                var masks = e.Read<BusMasksChanged>();
                engine.OnPermissionsChanged(new ApPermissions(Bitmap256.ParseMsb0Hex(masks.Apmask), Bitmap256.ParseMsb0Hex(masks.Aqmask)));
                return default;
            default:
                return default;
        }
    }

    /// <summary>Mdevs whose probes wait for scan complete: those with adapters or domains being added (the engine's rule, spec quirk Q6).</summary>
    static List<Mdev> Deferring(VfioApEngine engine) => engine.Mdevs.Where(m => !m.Added.Apm.IsEmpty || !m.Added.Aqm.IsEmpty).ToList();

    // A queue probed by the host's default driver is not vfio_ap's: it only takes up its place in the order.
    static int Probe(VfioApEngine engine, List<Mdev> deferring, Apqn apqn, BoundDriver driver)
    {
        if (driver != BoundDriver.VfioAp) return 0;
        engine.OnQueueProbed(apqn);
        return deferring.Exists(m => m.Assigned.Apm[apqn.Adapter] && m.Assigned.Aqm[apqn.Domain]) ? 1 : 0;
    }
}

/// <summary>What applying one bus event did, for the metrics: the queues it carried, the probes deferred.</summary>
public readonly record struct BusEventEffect(int Queues, int DeferredProbes);
