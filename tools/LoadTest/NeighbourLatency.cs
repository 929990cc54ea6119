namespace Apmatrix.LoadTest;

/// <summary>
/// The neighbours' configuration changes in one mode's run (<see cref="NeighbourLayout"/>), each timed from just before its
/// <c>PUT</c> to its guest's update applied: idle (nothing else running) and loaded (beside the big hosts' timed scans). A change
/// whose update never arrived counts among the changes made, not in the times, and is a failure of the run. Beside the scan
/// each neighbour is also timed on its own: one that shares a busy host's lane waits behind that host's backlog there.
/// </summary>
public sealed record NeighbourLatency(int Neighbours, long IdleChanges, Percentiles Idle, long LoadedChanges, Percentiles Loaded,
    IReadOnlyList<NeighbourHostLatency> LoadedByHost, IReadOnlyList<NeighbourChange> SlowestLoaded)
{
    /// <summary>How many of the slowest changes beside the scan are reported with when they were made.</summary>
    public const int Slowest = 3;

    public static NeighbourLatency Of(int neighbours, IReadOnlyCollection<NeighbourChange> idle, IReadOnlyCollection<NeighbourChange> loaded) =>
        new(neighbours, idle.Count, Times(idle), loaded.Count, Times(loaded), PerHost(loaded),
            [.. loaded.Where(c => c.Milliseconds is not null).OrderByDescending(c => c.Milliseconds).Take(Slowest)]);

    public static List<NeighbourHostLatency> PerHost(IEnumerable<NeighbourChange> changes) =>
        changes.GroupBy(c => c.Host).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new NeighbourHostLatency(g.Key, g.Count(), Times(g))).ToList();

    public static Percentiles Times(IEnumerable<NeighbourChange> changes) => Percentiles.Of(changes.Select(c => c.Milliseconds).OfType<double>());
}

/// <summary>One neighbour's changes beside the scan: how many it made and the times of those applied.</summary>
public sealed record NeighbourHostLatency(string Host, long Changes, Percentiles Loaded);

/// <summary>
/// One change of neighbour <see cref="Host"/>: milliseconds to its guest's update applied, null if that never came, and
/// <see cref="MadeAt"/> milliseconds into its stretch (idle, or its scan) when it was made: a slow change at a scan's start
/// waited for the big host's own configuration change, one later for its events.
/// </summary>
public sealed record NeighbourChange(string Host, double? Milliseconds, double MadeAt = 0);
