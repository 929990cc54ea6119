namespace Apmatrix.LoadTest;

/// <summary>VfioAp's queues of bus events (docs/ARCHITECTURE.md): the lanes every host's events are hashed to.</summary>
public static class EventQueues
{
    /// <summary>VfioAp's <c>BusEvents:Lanes</c>, which the stacks the tool starts leave at its default.</summary>
    public const int Lanes = 16;

    public static readonly string[] All = [.. Enumerable.Range(0, Lanes).Select(lane => $"bus-events-{lane}")];

    /// <summary>Where the poison is sent, whatever its host: one queue, so exactly the poison reaches its <c>_error</c>.</summary>
    public static string Poisoned => All[0];
}
