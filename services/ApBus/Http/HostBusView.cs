using Apmatrix.Contracts;
using Apmatrix.ApBus.Persistence;

namespace Apmatrix.ApBus.Http;

/// <summary>
/// <c>GET /hosts/{host}</c>: one host's AP bus; <see cref="OpenScanId"/> is the scan of a config-changed window not yet completed,
/// <see cref="EventForm"/> how its events leave (<c>grouped</c> or <c>per-queue</c>).
/// </summary>
public sealed record HostBusView(string Host, BusConfigView Config, BusConfigView PreviousConfig, BusMasksView Masks, int QueueDevices,
    Guid? OpenScanId, long LastSequence, string EventForm)
{
    public static HostBusView From(HostRecord host) => new(host.Id, BusConfigView.From(host.Config), BusConfigView.From(host.PreviousConfig),
        BusMasksView.From(host.Permissions), host.QueueDeviceCount, host.OpenScanId, host.LastSequence, BusEventForms.Name(host.EventForm));
}
