using Apmatrix.Hosting;

namespace Apmatrix.LoadTest;

/// <summary>VfioAp's queues of bus events (docs/ARCHITECTURE.md): the lanes every host's events are hashed to, as many as the stacks the tool starts have.</summary>
public static class EventQueues
{
    public static readonly string[] All = [.. BusEventLanes.Queues()];

    /// <summary>Where the poison is sent, whatever its host: one queue, so exactly the poison reaches its <c>_error</c>.</summary>
    public static string Poisoned => All[0];
}
