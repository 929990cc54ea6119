namespace Apmatrix.Hosting;

/// <summary>
/// Decides, from the broker's consumer counts, which receive endpoints to restart: one whose queue has had no consumer
/// for longer than the limit while the broker kept answering. No I/O; the caller asks the broker and acts.
/// </summary>
public sealed class ConsumerWatch(TimeSpan missingAfter)
{
    readonly Dictionary<string, (ConsumerState State, DateTime Since)> _queues = [];

    public IReadOnlyDictionary<string, ConsumerState> States
    {
        get
        {
            lock (_queues) return _queues.ToDictionary(q => q.Key, q => q.Value.State);
        }
    }

    /// <summary>
    /// Records one answer (<paramref name="consumers"/> null when the broker did not answer); true when the endpoint is
    /// due a restart, after which the clock starts again so a restart that does not help is retried only after another full wait.
    /// </summary>
    public bool Observe(string queue, uint? consumers, DateTime now)
    {
        var state = consumers switch { null => ConsumerState.BrokerUnreachable, 0 => ConsumerState.Missing, _ => ConsumerState.Consuming };
        lock (_queues)
        {
            if (!_queues.TryGetValue(queue, out var last) || last.State != state) last = (state, now);
            var due = state == ConsumerState.Missing && now - last.Since > missingAfter;
            _queues[queue] = due ? (state, now) : last;
            return due;
        }
    }
}
