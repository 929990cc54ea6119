namespace Apmatrix.Scenarios.Stack;

/// <summary>
/// How ApBus sends a host's bus events, chosen when the host is defined: a run of one adapter's probes (or removals) in
/// one scan as one message, or one message per queue.
/// </summary>
public enum EventForm
{
    Grouped,
    PerQueue,
}
