using System.Collections.Concurrent;

namespace Apmatrix.ApBus.Messaging;

/// <summary>
/// Decides how many of a host's next events may be published: those within <see cref="BusEventLeadOptions.Lead"/> of the
/// last one VfioAp applied, asked for (<paramref name="ask"/>) only when the last known answer holds events back. Every
/// event goes when VfioAp does not answer, or when its answer has not moved for <see cref="BusEventLeadOptions.Stall"/>:
/// the lead spares the hosts sharing a lane a backlog, and must never be what stops a host. A held-back host's reads are
/// limited to what may go (<see cref="LimitsAsync"/>), so its backlog is not read again on every look.
/// </summary>
public sealed class HostLeads(BusEventLeadOptions options, TimeProvider clock, Func<string, CancellationToken, Task<long?>> ask)
{
    const long NeverAsked = long.MinValue;

    sealed class Known(long now)
    {
        public long Applied;
        public long AskedAt = NeverAsked;
        public long MovedAt = now;
        /// <summary>The host's first event not let go yet, as last seen here; null while the host is not held back.</summary>
        public long? Next;
        /// <summary>The last read limit handed out: a read shorter than it found the backlog drained.</summary>
        public int Limit = int.MaxValue;
    }

    readonly ConcurrentDictionary<string, Known> _hosts = new();

    /// <summary>The hosts whose reads are limited (<see cref="Known.Next"/> set), so that a look for limits costs what is held back, not the fleet.</summary>
    readonly ConcurrentDictionary<string, Known> _held = new();

    /// <summary>How many leading <paramref name="sequences"/> (a host's next events, in order) may go now.</summary>
    public async Task<int> AllowAsync(string host, IReadOnlyList<long> sequences, CancellationToken cancellationToken)
    {
        if (options.Lead <= 0 || sequences.Count == 0) return sequences.Count;
        var known = _hosts.GetOrAdd(host, _ => new Known(clock.GetTimestamp()));
        var (last, _, next) = Read(known);
        var held = next is not null;
        var allowed = Allowed(held, sequences, last);
        if (allowed < sequences.Count && Due(known))
        {
            if (await AskAsync(host, known, cancellationToken) is not { } applied) return Went(host, known, sequences, sequences.Count);
            allowed = Allowed(held, sequences, applied);
        }
        var stalled = allowed == 0 && clock.GetElapsedTime(Read(known).MovedAt) >= options.Stall;
        return Went(host, known, sequences, stalled ? sequences.Count : allowed);
    }

    /// <summary>
    /// The most rows each held-back host may send now (one while fewer than <see cref="BusEventLeadOptions.Refill"/> may go:
    /// that row tells how far the host really is), asking VfioAp,
    /// all at once, for those whose answer holds them back and may be asked again. Hosts that VfioAp does not answer for,
    /// or that stood still for <see cref="BusEventLeadOptions.Stall"/>, are not limited.
    /// </summary>
    public ValueTask<IReadOnlyDictionary<string, int>> LimitsAsync(CancellationToken cancellationToken) =>
        _held.IsEmpty ? new(Unlimited) : new(HeldLimitsAsync(cancellationToken));

    async Task<IReadOnlyDictionary<string, int>> HeldLimitsAsync(CancellationToken cancellationToken)
    {
        var held = _held.ToList();
        var answers = await Task.WhenAll(held.Select(async h =>
        {
            var (applied, _, next) = Read(h.Value);
            return next is { } n && Room(applied, n) < options.RefillOrDefault && Due(h.Value) ? await AskAsync(h.Key, h.Value, cancellationToken) : applied;
        }));
        var limits = new Dictionary<string, int>();
        for (var i = 0; i < held.Count; i++)
        {
            var known = held[i].Value;
            lock (known)
            {
                if (answers[i] is not { } applied || known.Next is not { } next || clock.GetElapsedTime(known.MovedAt) >= options.Stall) continue;
                var room = Room(applied, next);
                known.Limit = room < options.RefillOrDefault ? 1 : (int)Math.Min(room, int.MaxValue);
                limits[held[i].Key] = known.Limit;
            }
        }
        return limits;
    }

    static readonly IReadOnlyDictionary<string, int> Unlimited = new Dictionary<string, int>();

    static (long Applied, long MovedAt, long? Next) Read(Known known)
    {
        lock (known) return (known.Applied, known.MovedAt, known.Next);
    }

    /// <summary>Whether the host may be asked now; claims the ask, so that lanes looking at once ask once.</summary>
    bool Due(Known known)
    {
        var now = clock.GetTimestamp();
        lock (known)
        {
            if (known.AskedAt != NeverAsked && clock.GetElapsedTime(known.AskedAt, now) < options.AskEvery) return false;
            known.AskedAt = now;
            return true;
        }
    }

    /// <summary>VfioAp's last applied sequence of <paramref name="host"/>, remembered; null when it does not answer.</summary>
    async Task<long?> AskAsync(string host, Known known, CancellationToken cancellationToken)
    {
        if (await ask(host, cancellationToken) is not { } answer) return null;
        var now = clock.GetTimestamp();
        lock (known)
        {
            if (answer > known.Applied) (known.Applied, known.MovedAt) = (answer, now);
            return known.Applied;
        }
    }

    /// <summary>Notes how far the host got: held back, or still behind a limit, it stays limited; drained, it is not.</summary>
    int Went(string host, Known known, IReadOnlyList<long> sequences, int allowed)
    {
        lock (known)
        {
            if (allowed < sequences.Count) known.Next = sequences[allowed];
            else if (known.Next is not null && sequences.Count >= known.Limit) known.Next = sequences[^1] + 1;
            else (known.Next, known.Limit) = (null, int.MaxValue);
            if (known.Next is null) _held.TryRemove(host, out _);
            else _held[host] = known;
        }
        return allowed;
    }

    /// <summary>
    /// How many of <paramref name="sequences"/> are within the lead; none while the host is held back and fewer than
    /// <see cref="BusEventLeadOptions.Refill"/> of its events may go.
    /// </summary>
    int Allowed(bool held, IReadOnlyList<long> sequences, long applied) =>
        held && Room(applied, sequences[0]) < options.RefillOrDefault ? 0 : Within(sequences, applied);

    /// <summary>How many events from <paramref name="next"/> on may go with VfioAp at <paramref name="applied"/>.</summary>
    long Room(long applied, long next) => applied + options.Lead - next + 1;

    int Within(IReadOnlyList<long> sequences, long applied)
    {
        var n = 0;
        while (n < sequences.Count && sequences[n] <= applied + options.Lead) n++;
        return n;
    }
}
