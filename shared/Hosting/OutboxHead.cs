namespace Apmatrix.Hosting;

/// <summary>
/// How long the outbox has waited on its oldest row: the row's age, counted only from when this process first saw it
/// oldest. A backlog published in turn (a paced host's, held back on purpose) keeps changing its oldest row and so never
/// reads as stuck, while a row nothing publishes does after the limit.
/// </summary>
public sealed class OutboxHead
{
    readonly Lock _gate = new();
    long? _sequence;
    DateTime _since;

    /// <summary><paramref name="sequence"/> and <paramref name="age"/>: the oldest row's, null when the outbox is empty.</summary>
    public TimeSpan? Observe(long? sequence, TimeSpan? age, DateTime now)
    {
        lock (_gate)
        {
            if (sequence is null || age is not { } rowAge)
            {
                _sequence = null;
                return null;
            }
            if (_sequence != sequence) (_sequence, _since) = (sequence, now);
            var seen = now - _since;
            return seen < rowAge ? seen : rowAge;
        }
    }
}
