namespace Apmatrix.VfioAp.Http;

/// <summary>One line of <c>GET /hosts</c>: a host as vfio_ap sees it, without its matrix; how many APCB updates its guests have not acknowledged.</summary>
public sealed record HostSummaryView(string Host, string Mode, long LastSequence, int Mdevs, int PendingEvents, int UnacknowledgedUpdates);
