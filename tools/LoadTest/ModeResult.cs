namespace Apmatrix.LoadTest;

/// <summary>Everything one hot-plug mode measured and checked, with the bus events in one form.</summary>
public sealed record ModeResult(
    string Form,
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
    NeighbourLatency? Neighbours,
    IReadOnlyList<string> Failures)
{
    public long Events => Scans.Sum(s => s.Events);
    public long Updates => Scans.Sum(s => s.Updates);
    public long Messages => Scans.Sum(s => s.Messages);
    public double VfioApSeconds => Scans.Sum(s => s.VfioApMs) / 1000;
    public double WholeSeconds => Scans.Sum(s => s.WholeMs) / 1000;
    public double EventsPerSecondThroughVfioAp => Events / VfioApSeconds;
    public double MessagesPerSecond => Messages / WholeSeconds;
    /// <summary>The whole machine's busy CPU time over the timed scans, per 1,000 messages; NaN when a scan's could not be read.</summary>
    public double CpuMsPerThousandMessages => Scans.Sum(s => s.CpuSeconds) * 1e6 / Messages;
    /// <summary>CPU seconds of each part of the run over the timed scans (<see cref="ProcessCpu"/>): the parts every scan could read.</summary>
    public IReadOnlyDictionary<string, double> CpuSecondsByPart => Scans.Count == 0 ? new Dictionary<string, double>() : Scans
        .SelectMany(s => s.CpuByPart).GroupBy(p => p.Key).Where(p => p.Count() == Scans.Count).ToDictionary(p => p.Key, p => p.Sum(x => x.Value));
    /// <summary>The machine's CPU over the timed scans for each CPU-second of RabbitMQ's, as <see cref="CeilingTrial.CpuPerBrokerSecond"/>; NaN unread.</summary>
    public double CpuPerBrokerSecond => CpuSecondsByPart.TryGetValue(ProcessCpu.RabbitMq, out var broker) && broker > 0
        ? Scans.Sum(s => s.CpuSeconds) / broker : double.NaN;
    public bool Exact => Failures.Count == 0;
    /// <summary>
    /// Bus events VfioAp parked over the scans because they came before an earlier event of their host (its
    /// <c>bus_events.arrived_early</c>, summed over the instances); null when it could not be read.
    /// </summary>
    public long? EventsArrivedEarly { get; init; }
    /// <summary>Requests of the mode's scans a service answered 429 and that were sent again after its Retry-After: their waits are in the times.</summary>
    public long RequestsSentAgain { get; init; }
    /// <summary>"off" or "on" when the run chose the services' telemetry (<see cref="LoadOptions.Telemetry"/>), else null.</summary>
    public string? Telemetry { get; init; }
    /// <summary>Which round of telemetry off and on (<see cref="LoadOptions.TelemetryRounds"/>), from 1, when there were several; else null.</summary>
    public int? Round { get; init; }
    /// <summary>The run's name in reports: its mode, its form and, when chosen, its telemetry and round.</summary>
    public string Run => $"{Mode}, {Form} events" + (Telemetry is null ? "" : $", telemetry {Telemetry}") + (Round is null ? "" : $", round {Round}");
}
