namespace Apmatrix.Dashboard.Http;

/// <summary>
/// How far behind one host is: the bus events ApBus published against those VfioAp applied (<see cref="Behind"/>), events parked
/// after a gap and guest updates not yet acknowledged. VfioAp's figures are null while it has applied none of the host's events.
/// </summary>
public sealed record FleetHostView(string Host, string EventForm, int QueueDevices, long BusSequence, string? Mode, long? AppliedSequence,
    long Behind, int? ParkedEvents, int? UnacknowledgedUpdates, int? Mdevs);
