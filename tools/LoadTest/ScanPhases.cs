namespace Apmatrix.LoadTest;

/// <summary>
/// One scan, on every host at once, timed from the config change: ApBus answering (scan + outbox
/// commit), VfioAp having applied the last event, ScanComplete reaching the timing queue, and the
/// last guest's acknowledgement. Times are the slowest host's. <see cref="Events"/> counts bus event messages in the run's
/// form: grouped, a stretch of one scan's probes or removals is one. <see cref="CpuSeconds"/>: the whole machine's busy CPU
/// time from the config change to the last guest applied (<see cref="MachineCpu"/>), NaN where it cannot be read;
/// <see cref="CpuByPart"/>: the same span's CPU seconds of each part of the run that could be read (<see cref="ProcessCpu"/>).
/// </summary>
public sealed record ScanPhases(int Scan, string Config, long Events, long Updates, long GuestMessages, double ApBusMs, double VfioApMs,
    double ScanCompleteMs, double WholeMs, BacklogSummary? Backlog, double CpuSeconds,
    IReadOnlyDictionary<string, double> CpuByPart)
{
    /// <summary>Messages through the broker: every bus event message, and the guest updates' (<see cref="ExpectedHost.GuestMessages"/>).</summary>
    public long Messages => Events + GuestMessages;
    public double EventsPerSecondThroughVfioAp => Events / (VfioApMs / 1000);
    public double MessagesPerSecond => Messages / (WholeMs / 1000);
}
