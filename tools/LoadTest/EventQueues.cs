using Apmatrix.Contracts;

namespace Apmatrix.LoadTest;

/// <summary>VfioAp's queues of bus events (the names docs/ARCHITECTURE.md gives), of either event form.</summary>
public static class EventQueues
{
    public static readonly string[] All =
        ["config-changed", "queue-probed", "queue-removed", "queues-probed", "queues-removed", "scan-complete", "bus-masks-changed"];

    /// <summary>Where the probes of hosts in <paramref name="form"/> arrive: the poison goes there, and so exactly the poison to its <c>_error</c>.</summary>
    public static string Probes(BusEventForm form) => form == BusEventForm.Grouped ? "queues-probed" : "queue-probed";

    public static string Removals(BusEventForm form) => form == BusEventForm.Grouped ? "queues-removed" : "queue-removed";
}
