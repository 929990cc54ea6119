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
    public static void Apply(VfioApEngine engine, PendingBusEvent e)
    {
        switch (e.Kind)
        {
            case BusEventKind.ConfigChanged:
                var change = e.Read<ConfigChanged>();
                engine.OnConfigChanged(change.Current.ToApConfig(), change.Previous.ToApConfig());
                break;
            case BusEventKind.QueueProbed:
                Probe(engine, Apqn.FromValue(e.Apqn!.Value), e.Driver!.Value);
                break;
            case BusEventKind.QueuesProbed:
                foreach (var queue in e.Read<QueuesProbed>().Queues) Probe(engine, Apqn.Parse(queue.Apqn), queue.Driver);
                break;
            case BusEventKind.QueueRemoved:
                engine.OnQueueRemoved(Apqn.FromValue(e.Apqn!.Value));
                break;
            case BusEventKind.QueuesRemoved:
                foreach (var queue in e.Read<QueuesRemoved>().Queues) engine.OnQueueRemoved(Apqn.Parse(queue.Apqn));
                break;
            case BusEventKind.ScanComplete:
                engine.OnScanComplete();
                break;
            case BusEventKind.BusMasksChanged:
                var masks = e.Read<BusMasksChanged>();
                engine.OnPermissionsChanged(new ApPermissions(Bitmap256.ParseMsb0Hex(masks.Apmask), Bitmap256.ParseMsb0Hex(masks.Aqmask)));
                break;
        }
    }

    // A queue probed by the host's default driver is not vfio_ap's: it only takes up its place in the order.
    static void Probe(VfioApEngine engine, Apqn apqn, BoundDriver driver)
    {
        if (driver == BoundDriver.VfioAp) engine.OnQueueProbed(apqn);
    }
}
