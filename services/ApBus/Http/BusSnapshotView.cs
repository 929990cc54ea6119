using Apmatrix.Contracts;
using Apmatrix.ApBus.Persistence;
using Apmatrix.ApModel;

namespace Apmatrix.ApBus.Http;

/// <summary>
/// <c>GET /hosts/{host}/snapshot</c>: everything the host's bus events have told as of <see cref="LastSequence"/>, for
/// VfioAp to catch up from when events were lost; <see cref="Digest"/> fingerprints the part VfioAp keeps
/// (<see cref="BusDigest"/>). <see cref="ScanOpen"/>: a config-changed window still waits for its scan complete;
/// <see cref="PreviousConfig"/> and <see cref="WindowSequence"/>, only then: the configuration it changed from, which its
/// pending additions count from, and the sequence of its config changed (null for a window opened before ApBus kept it).
/// <see cref="LastSequence"/> counts messages in the host's <see cref="EventForm"/>.
/// </summary>
public sealed record BusSnapshotView(string Host, BusConfigView Config, BusMasksView Masks, IReadOnlyList<AdapterQueuesView> Queues,
    bool ScanOpen, BusConfigView? PreviousConfig, long? WindowSequence, long LastSequence, string Digest, string EventForm)
{
    public static BusSnapshotView From(HostRecord host)
    {
        var bus = host.ToBus();
        var queues = new List<AdapterQueuesView>();
        var vfioAp = new Bitmap256[Bitmap256.Capacity];
        for (var a = 0; a < Bitmap256.Capacity; a++)
        {
            var devices = bus.DevicesOf(a);
            var reserved = devices & bus.Permissions.ReservedDomains(a);
            vfioAp[a] = devices.AndNot(reserved);
            if (!devices.IsEmpty) queues.Add(new AdapterQueuesView(a, vfioAp[a].ToRangeList(), reserved.ToRangeList()));
        }
        return new BusSnapshotView(host.Id, BusConfigView.From(host.Config), BusMasksView.From(host.Permissions), queues,
            host.OpenScanId is not null, host.OpenScanId is null ? null : BusConfigView.From(host.PreviousConfig),
            host.WindowSequence, host.LastSequence, BusDigest.Of(host.Config, host.Permissions, vfioAp), BusEventForms.Name(host.EventForm));
    }
}
