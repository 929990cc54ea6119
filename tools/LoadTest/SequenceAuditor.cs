using Apmatrix.Contracts;

namespace Apmatrix.LoadTest;

/// <summary>
/// An extra subscriber's check of each host's events as its queue delivered them: every sequence 1..n, each new one
/// delivered for the first time the successor of the one before. A late arrival counts as out of order, a repeat as a
/// duplicate. A redelivery (the broker's, after a connection or node was lost) is counted apart and not judged for order:
/// the broker requeues what was unacknowledged in an order of its own, and a subscriber puts it back in order by sequence.
/// </summary>
public sealed class SequenceAuditor(string queue)
{
    readonly Dictionary<string, HostAudit> _hosts = new(StringComparer.Ordinal);

    public string Queue { get; } = queue;

    public Task Note(IBusEvent message, bool redelivered = false)
    {
        lock (_hosts)
        {
            if (!_hosts.TryGetValue(message.HostId, out var host)) _hosts[message.HostId] = host = new HostAudit();
            host.Note(message.Sequence, redelivered);
        }
        return Task.CompletedTask;
    }

    public SubscriberReport Report(string host, long lastSequence)
    {
        lock (_hosts)
        {
            var audit = _hosts.GetValueOrDefault(host) ?? new HostAudit();
            var missing = lastSequence - audit.Seen.Count(s => s <= lastSequence);
            return new SubscriberReport(Queue, host, lastSequence, audit.Delivered, missing, audit.Duplicates, audit.Redelivered, audit.OutOfOrder,
                string.Join(", ", audit.Disorder));
        }
    }

    sealed class HostAudit
    {
        long _last;
        public HashSet<long> Seen { get; } = [];
        public long Delivered { get; private set; }
        public long Duplicates { get; private set; }
        public long Redelivered { get; private set; }
        public long OutOfOrder { get; private set; }
        /// <summary>The first few deliveries out of order, as "7 after 9": enough to see the pattern.</summary>
        public List<string> Disorder { get; } = [];

        public void Note(long sequence, bool redelivered)
        {
            Delivered++;
            if (redelivered) Redelivered++;
            if (!Seen.Add(sequence)) Duplicates++;
            else if (sequence != _last + 1 && !redelivered)
            {
                OutOfOrder++;
                if (Disorder.Count < 5) Disorder.Add($"{sequence} after {_last}");
            }
            _last = Math.Max(_last, sequence);
        }
    }
}
