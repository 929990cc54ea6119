namespace Apmatrix.Hosting;

/// <summary>VfioAp's lanes of bus events (<see cref="HostLanes"/>), named once for VfioAp, the load tool and the tests.</summary>
public static class BusEventLanes
{
    /// <summary>The consistent-hash exchange and the stem of the lane queues, before the queue prefix.</summary>
    public const string Name = "bus-events";

    /// <summary><c>BusEvents:Lanes</c> unless configured.</summary>
    public const int DefaultCount = 16;

    /// <summary>The lane queues of <see cref="DefaultCount"/> lanes, with <paramref name="suffix"/> (<c>_error</c>, ...).</summary>
    public static IEnumerable<string> Queues(string prefix = "", string suffix = "") =>
        Enumerable.Range(0, DefaultCount).Select(lane => prefix + HostLanes.QueueOf(Name, lane) + suffix);
}
