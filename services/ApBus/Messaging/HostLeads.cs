using System.Collections.Concurrent;

namespace Apmatrix.ApBus.Messaging;

/// <summary>
/// Decides how many of a host's next events may be published: those within <see cref="BusEventLeadOptions.Lead"/> of the
/// last one VfioAp applied, asked for (<paramref name="ask"/>) only when the last known answer holds events back. Every
/// event goes when VfioAp does not answer, or when its answer has not moved for <see cref="BusEventLeadOptions.Stall"/>:
/// the lead spares the hosts sharing a lane a backlog, and must never be what stops a host.
/// </summary>
public sealed class HostLeads(BusEventLeadOptions options, TimeProvider clock, Func<string, CancellationToken, Task<long?>> ask)
{
    const long NeverAsked = long.MinValue;

    sealed class Known(long now)
    {
        public long Applied;
        public long AskedAt = NeverAsked;
        public long MovedAt = now;
    }

    readonly ConcurrentDictionary<string, Known> _hosts = new();

    /// <summary>How many leading <paramref name="sequences"/> (a host's next events, in order) may go now.</summary>
    public async Task<int> AllowAsync(string host, IReadOnlyList<long> sequences, CancellationToken cancellationToken)
    {
        if (options.Lead <= 0 || sequences.Count == 0) return sequences.Count;
        var known = _hosts.GetOrAdd(host, _ => new Known(clock.GetTimestamp()));
        long applied, askedAt, movedAt;
        lock (known) (applied, askedAt, movedAt) = (known.Applied, known.AskedAt, known.MovedAt);
        var allowed = Within(sequences, applied);
        if (allowed < sequences.Count && (askedAt == NeverAsked || clock.GetElapsedTime(askedAt) >= options.AskEvery))
        {
            if (await ask(host, cancellationToken) is not { } answer) return sequences.Count;
            var now = clock.GetTimestamp();
            lock (known)
            {
                known.AskedAt = now;
                if (answer > known.Applied) (known.Applied, known.MovedAt) = (answer, now);
                (applied, movedAt) = (known.Applied, known.MovedAt);
            }
            allowed = Within(sequences, applied);
        }
        return allowed == 0 && clock.GetElapsedTime(movedAt) >= options.Stall ? sequences.Count : allowed;
    }

    int Within(IReadOnlyList<long> sequences, long applied)
    {
        var n = 0;
        while (n < sequences.Count && sequences[n] <= applied + options.Lead) n++;
        return n;
    }
}
