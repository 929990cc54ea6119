namespace Apmatrix.LoadTest;

/// <summary>Milliseconds at the 50th and 99th percentile and the maximum, over <see cref="Count"/> values.</summary>
public sealed record Percentiles(long Count, double P50, double P99, double Max);

public sealed record Spread(double Min, double Mean, double Max)
{
    public static Spread Of(IReadOnlyCollection<double> values) =>
        values.Count == 0 ? new(0, 0, 0) : new(values.Min(), values.Average(), values.Max());
}

/// <summary>
/// One scan, on every host at once, timed from the config change: ApBus answering (scan + outbox
/// commit), VfioAp having applied the last event, ScanComplete reaching the timing queue, and the
/// last guest's ApcbApplied. Times are the slowest host's.
/// </summary>
public sealed record ScanPhases(int Scan, string Config, long Events, long Updates, double ApBusMs, double VfioApMs,
    double ScanCompleteMs, double WholeMs, BacklogSummary? Backlog)
{
    /// <summary>Messages through the broker: every bus event, and per update an ApplyApcb and an ApcbApplied.</summary>
    public long Messages => Events + 2 * Updates;
    public double EventsPerSecondThroughVfioAp => Events / (VfioApMs / 1000);
    public double MessagesPerSecond => Messages / (WholeMs / 1000);
}

/// <summary>Everything one hot-plug mode measured and checked.</summary>
public sealed record ModeResult(
    string Mode,
    int Hosts,
    double SetUpSeconds,
    long SetUpCalls,
    IReadOnlyList<ScanPhases> Scans,
    Percentiles ScanCompleteToLastApplied,
    long AppliedBeforeScanComplete,
    Spread UpdatesPerGuestPerScan,
    Spread SuspendedMsPerGuest,
    IReadOnlyList<InstanceMemory> Memory,
    IReadOnlyList<SubscriberReport> Subscribers,
    long DuplicateAcknowledgements,
    IReadOnlyList<string> Failures)
{
    public long Events => Scans.Sum(s => s.Events);
    public long Updates => Scans.Sum(s => s.Updates);
    public long Messages => Scans.Sum(s => s.Messages);
    public double VfioApSeconds => Scans.Sum(s => s.VfioApMs) / 1000;
    public double WholeSeconds => Scans.Sum(s => s.WholeMs) / 1000;
    public double EventsPerSecondThroughVfioAp => Events / VfioApSeconds;
    public double MessagesPerSecond => Messages / WholeSeconds;
    public bool Exact => Failures.Count == 0;
}
