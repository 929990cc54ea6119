using System.Collections.Concurrent;

namespace Apmatrix.ApBus.Messaging;

/// <summary>
/// Decides how many of a host's next events may be published: those within <see cref="BusEventLeadOptions.Lead"/> of the
/// last one VfioAp applied, asked for (<paramref name="ask"/>) only when the last known answer holds events back, together
/// with every other held-back host due an answer: one request, however many hosts wait. Every
/// event goes when VfioAp does not answer, or when its answer has not moved for <see cref="BusEventLeadOptions.Stall"/>:
/// the lead spares the hosts sharing a lane a backlog, and must never be what stops a host. A held-back host's reads are
/// limited to what may go (<see cref="LimitsAsync"/>), so its backlog is not read again on every look. While a host that
/// was not held back lets all its events go too (a small change), a host's lead is <see cref="BusEventLeadOptions.SharedLead"/>: one
/// host's long backlog cannot take every core from the small changes of the others, and hosts that all have backlogs
/// (a fleet's scans at once) keep their whole lead.
/// </summary>
public sealed class HostLeads(BusEventLeadOptions options, TimeProvider clock,
    Func<IReadOnlyList<string>, CancellationToken, Task<IReadOnlyDictionary<string, long>?>> ask)
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

    /// <summary>How long a host that let all its events go without being held back counts as company for the others.</summary>
    static readonly TimeSpan CompanyFor = TimeSpan.FromSeconds(1);

    /// <summary>The last two hosts that let all their events go unheld and when: whichever is not the host asking tells whether it has company.</summary>
    (string? Host, long At) _latest = (null, NeverAsked), _before = (null, NeverAsked);
    readonly Lock _company = new();

    /// <summary>How many leading <paramref name="sequences"/> (a host's next events, in order) may go now.</summary>
    public async Task<int> AllowAsync(string host, IReadOnlyList<long> sequences, CancellationToken cancellationToken)
    {
        if (options.Lead <= 0 || sequences.Count == 0) return sequences.Count;
        var known = _hosts.GetOrAdd(host, _ => new Known(clock.GetTimestamp()));
        var (last, _, next) = Read(known);
        var held = next is not null;
        var lead = LeadOf(host);
        var allowed = Allowed(held, sequences, last, lead);
        if (allowed < sequences.Count && Due(known))
        {
            if (!await AskAsync([(host, known), .. Waiting(except: host)], cancellationToken))
                return Went(host, known, sequences, sequences.Count);
            allowed = Allowed(held, sequences, Read(known).Applied, lead);
        }
        var stalled = allowed == 0 && clock.GetElapsedTime(Read(known).MovedAt) >= options.Stall;
        return Went(host, known, sequences, stalled ? sequences.Count : allowed);
    }

    /// <summary>
    /// The most rows each held-back host may send now (one while fewer than its refill (<see cref="BusEventLeadOptions.Refill"/>) may go:
    /// that row tells how far the host really is), asking VfioAp,
    /// all at once, for those whose answer holds them back and may be asked again. Hosts that VfioAp does not answer for,
    /// or that stood still for <see cref="BusEventLeadOptions.Stall"/>, are not limited.
    /// </summary>
    public ValueTask<IReadOnlyDictionary<string, int>> LimitsAsync(CancellationToken cancellationToken) =>
        _held.IsEmpty ? new(Unlimited) : new(HeldLimitsAsync(cancellationToken));

    async Task<IReadOnlyDictionary<string, int>> HeldLimitsAsync(CancellationToken cancellationToken)
    {
        var waiting = Waiting(except: null);
        var unanswered = await AskAsync(waiting, cancellationToken) ? [] : waiting.Select(w => w.Host).ToHashSet();
        var limits = new Dictionary<string, int>();
        foreach (var (host, known) in _held)
        {
            var lead = LeadOf(host);
            lock (known)
            {
                if (unanswered.Contains(host) || known.Next is not { } next || clock.GetElapsedTime(known.MovedAt) >= options.Stall) continue;
                known.Limit = BelowRefill(known.Applied, next, lead) ? 1 : (int)Math.Min(Room(known.Applied, next, lead), int.MaxValue);
                limits[host] = known.Limit;
            }
        }
        return limits;
    }

    /// <summary>
    /// The held-back hosts (but <paramref name="except"/>) that need an answer before more of their events may go and may be
    /// asked now: each one claimed, so that lanes looking at once ask once.
    /// </summary>
    List<(string Host, Known Known)> Waiting(string? except)
    {
        var waiting = new List<(string, Known)>();
        foreach (var (host, known) in _held)
        {
            if (host == except) continue;
            var (applied, _, next) = Read(known);
            var lead = LeadOf(host);
            if (next is { } n && BelowRefill(applied, n, lead) && Due(known)) waiting.Add((host, known));
        }
        return waiting;
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

    /// <summary>Asks VfioAp, in one request, how far it applied <paramref name="hosts"/> and remembers each answer; false when it does not answer.</summary>
    async Task<bool> AskAsync(IReadOnlyList<(string Host, Known Known)> hosts, CancellationToken cancellationToken)
    {
        if (hosts.Count == 0) return true;
        if (await ask([.. hosts.Select(h => h.Host)], cancellationToken) is not { } answers) return false;
        var now = clock.GetTimestamp();
        foreach (var (host, known) in hosts)
            lock (known)
                if (answers.TryGetValue(host, out var answer) && answer > known.Applied) (known.Applied, known.MovedAt) = (answer, now);
        return true;
    }

    /// <summary>Notes how far the host got: held back, or still behind a limit, it stays limited; drained, it is not.</summary>
    int Went(string host, Known known, IReadOnlyList<long> sequences, int allowed)
    {
        lock (known)
        {
            var wasHeld = known.Next is not null;
            if (allowed < sequences.Count) known.Next = sequences[allowed];
            else if (known.Next is not null && sequences.Count >= known.Limit) known.Next = sequences[^1] + 1;
            else (known.Next, known.Limit) = (null, int.MaxValue);
            if (known.Next is null) _held.TryRemove(host, out _);
            else _held[host] = known;
            // The end of a backlog is not company: a fleet's scans ending one by one would shrink the others' leads.
            if (known.Next is null && allowed > 0 && !wasHeld) NoteDrained(host);
        }
        return allowed;
    }

    /// <summary>
    /// How many of <paramref name="sequences"/> are within <paramref name="lead"/>; none while the host is held back and
    /// fewer than its refill may go.
    /// </summary>
    int Allowed(bool held, IReadOnlyList<long> sequences, long applied, int lead) =>
        held && BelowRefill(applied, sequences[0], lead) ? 0 : Within(sequences, applied, lead);

    /// <summary>Whether fewer than the refill of <paramref name="lead"/> may go from <paramref name="next"/> on: the host waits for more room.</summary>
    bool BelowRefill(long applied, long next, int lead) => Room(applied, next, lead) < options.RefillOf(lead);

    /// <summary>How many events from <paramref name="next"/> on may go with VfioAp at <paramref name="applied"/>.</summary>
    static long Room(long applied, long next, int lead) => applied + lead - next + 1;

    static int Within(IReadOnlyList<long> sequences, long applied, int lead)
    {
        var n = 0;
        while (n < sequences.Count && sequences[n] <= applied + lead) n++;
        return n;
    }

    /// <summary>The host's lead now: the shared one while another host, not held back, let all its events go within <see cref="CompanyFor"/>.</summary>
    int LeadOf(string host)
    {
        var now = clock.GetTimestamp();
        lock (_company)
        {
            var other = _latest.Host == host ? _before : _latest;
            return options.LeadOf(other.Host is not null && clock.GetElapsedTime(other.At, now) < CompanyFor);
        }
    }

    /// <summary>Notes that <paramref name="host"/> let all its events go now without having been held back.</summary>
    void NoteDrained(string host)
    {
        var now = clock.GetTimestamp();
        lock (_company)
        {
            if (_latest.Host != host) _before = _latest;
            _latest = (host, now);
        }
    }
}
