namespace Apmatrix.Sequencing;

/// <summary>
/// Puts one numbered stream (a host's bus events by sequence, a guest's APCB commands by version; numbers 1, 2, 3, ...)
/// back in order for one batch: which items continue the run after the last applied number, which arrived early and
/// are parked until the gap before them fills, and which are repeats of what was applied already. Items may arrive in
/// any order and more than once. The caller holds the stream's lock, loads the parked items, asks, and saves.
/// </summary>
public sealed class Sequencer<T>
{
    readonly Func<T, long> _numberOf;

    // After the last applied number; the first copy of each number, later copies are the same item again.
    readonly Dictionary<long, T> _arrived = [];
    readonly List<T> _repeats = [];

    public Sequencer(long lastApplied, IEnumerable<T> arrived, Func<T, long> numberOf)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastApplied);
        LastApplied = lastApplied;
        _numberOf = numberOf;
        foreach (var item in arrived)
        {
            var number = numberOf(item);
            if (number <= lastApplied) _repeats.Add(item);
            else _arrived.TryAdd(number, item);
        }
    }

    /// <summary>The end of the run so far: the stream's last applied number once the items returned by <see cref="Advance"/> are applied.</summary>
    public long LastApplied { get; private set; }

    /// <summary>The number the run needs next; parked items are read from here.</summary>
    public long Next => LastApplied + 1;

    /// <summary>Arrived items at or below the last applied number when the batch came: applied before, not again.</summary>
    public IReadOnlyList<T> Repeats => _repeats;

    /// <summary>Whether some parked item given is now at or below <see cref="LastApplied"/>, so the parked store holds rows to delete.</summary>
    public bool UsedParked { get; private set; }

    /// <summary>
    /// Whether the last <see cref="Advance"/> took every parked item it was given: parked items after those (a further
    /// chunk) may continue the run. False means the run stopped at a gap.
    /// </summary>
    public bool ParkedUsedUp { get; private set; }

    /// <summary>
    /// Extends the run with <paramref name="parked"/> (ascending numbers, all of the stream's parked items or the next
    /// chunk of them from <see cref="Next"/>) and the arrivals, and returns the items that extend it, in order. A parked
    /// copy is taken before an arrived one of the same number.
    /// </summary>
    public IReadOnlyList<T> Advance(IReadOnlyList<T> parked)
    {
        for (var i = 1; i < parked.Count; i++)
            if (_numberOf(parked[i]) <= _numberOf(parked[i - 1]))
                throw new ArgumentException("parked items must come in ascending number order, each number once", nameof(parked));
        var run = new List<T>();
        var taken = 0;
        while (true)
        {
            // A parked copy of something applied already (by this run or before) only waits to be deleted.
            while (taken < parked.Count && _numberOf(parked[taken]) <= LastApplied)
            {
                taken++;
                UsedParked = true;
            }
            if (taken < parked.Count && _numberOf(parked[taken]) == Next)
            {
                run.Add(parked[taken++]);
                UsedParked = true;
            }
            else if (_arrived.TryGetValue(Next, out var item)) run.Add(item);
            else break;
            LastApplied++;
        }
        ParkedUsedUp = taken == parked.Count;
        return run;
    }

    /// <summary>Arrived items after the run (once <see cref="Advance"/> is done): they wait for the gap before them to fill.</summary>
    public IReadOnlyList<T> ToPark() => _arrived.Where(a => a.Key > LastApplied).Select(a => a.Value).ToList();
}
