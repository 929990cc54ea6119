using Apmatrix.Engine;
using Apmatrix.VfioAp.Persistence;

namespace Apmatrix.VfioAp.Http;

/// <summary><c>GET /hosts/{host}</c>: vfio_ap's view of one host, its applied bus events, its guest updates not yet acknowledged, its mdevs and the mask changes reserved.</summary>
public sealed record HostView(string Host, string Mode, long LastSequence, ConfigView Config, PermissionsView Masks,
    int BoundQueues, int PendingEvents, int UnacknowledgedUpdates, IReadOnlyList<string> Mdevs, IReadOnlyList<MaskReservationView> MaskReservations)
{
    public static HostView From(HostRow row, int pendingEvents, int unacknowledgedUpdates, IReadOnlyList<string> mdevs, IReadOnlyList<MaskReservationRow> reservations) => new(
        row.HostId, HotPlugModes.Name(row.Mode), row.LastSequence,
        new ConfigView(row.Apm.ToRangeList(), row.Aqm.ToRangeList(), row.Adm.ToRangeList(), row.MaxAdapter, row.MaxDomain),
        new PermissionsView(row.Apmask.ToRangeList(), row.Aqmask.ToRangeList()),
        row.ReadBoundQueues().Sum(domains => domains.Count), pendingEvents, unacknowledgedUpdates, mdevs, reservations.Select(MaskReservationView.From).ToList());
}
