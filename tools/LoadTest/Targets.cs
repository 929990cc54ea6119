using System.Globalization;
using Apmatrix.Contracts;
using Apmatrix.Engine;

namespace Apmatrix.LoadTest;

/// <summary>
/// The issue's targets that apply to a run of this shape, for each event form that ran; the full-scale ones only to the
/// full-scale scan.
/// </summary>
public static class Targets
{
    /// <summary>Issue 14's bound on a neighbour's change to its guest applied while a big host scans: the median.</summary>
    public const double NeighbourP50Ms = 150;
    /// <summary>And the slowest change.</summary>
    public const double NeighbourMaxMs = 500;
    /// <summary>Issue 14's bound on a full-scale scan with grouped bus events, from the config change to the last guest applied.</summary>
    public const double GroupedFullScaleMs = 1000;
    /// <summary>Issue 14's bound on the per-queue form's message rate, full scale and fan-out: this share of its own ceiling.</summary>
    public const double PerQueueShareOfCeiling = 0.7;
    /// <summary>Issue 14's bound on each VfioAp instance's resident peak (VmHWM) in every run, in the issue's megabytes (10^6 bytes).</summary>
    public const double VfioApPeakMB = 300;
    const double BytesPerMiB = 1024 * 1024;
    /// <summary>Issue 16's bound on what telemetry at the default sampling may cost: the stack's ratio to its ceiling, relatively.</summary>
    public const double TelemetryMaxDrop = 0.05;

    public static List<TargetResult> Evaluate(LoadOptions options, IReadOnlyList<CeilingResult> ceilings, IReadOnlyList<ModeResult> modes)
    {
        var targets = new List<TargetResult>();
        var fullScale = options is { Hosts: 1, Adapters: 256, Domains: 256, Guests: 256 };
        // Several hosts and extra subscribers: every event to several queues, the shape of issue 14's fan-out.
        var fanOut = options is { Hosts: > 1, Subscribers: > 0 };

        foreach (var mode in modes)
            targets.Add(new($"{mode.Run}: final state equals the engine's, no message lost or applied twice",
                mode.Exact ? "exact" : $"{mode.Failures.Count} differences", mode.Exact));
        if (options.Subscribers > 0)
            foreach (var mode in modes)
            {
                var bad = mode.Subscribers.Count(s => !s.Complete || !s.InOrder);
                targets.Add(new($"{mode.Run}: every extra subscriber sees every event, first deliveries in order",
                    $"{mode.Subscribers.Count - bad} of {mode.Subscribers.Count} subscriber x host checks clean; " +
                    $"{mode.Subscribers.Sum(s => s.Duplicates):N0} repeated deliveries", bad == 0));
            }
        foreach (var mode in modes)
            if (mode.Neighbours is { } neighbours)
            {
                // A change whose update never came has no time; it misses both bounds.
                var (loaded, all) = (neighbours.Loaded, neighbours.Loaded.Count == neighbours.LoadedChanges && neighbours.LoadedChanges > 0);
                var of = $"over {loaded.Count:N0} of {neighbours.LoadedChanges:N0} changes";
                targets.Add(new($"{mode.Run}: a neighbour's change to its guest applied beside the scan, p50 < {NeighbourP50Ms:F0} ms",
                    $"p50 {F(loaded.P50, 1)} ms {of} (idle {F(neighbours.Idle.P50, 1)} ms)", all && loaded.P50 < NeighbourP50Ms));
                targets.Add(new($"{mode.Run}: a neighbour's change to its guest applied beside the scan, max < {NeighbourMaxMs:F0} ms",
                    $"max {F(loaded.Max, 1)} ms {of} (idle {F(neighbours.Idle.Max, 1)} ms)", all && loaded.Max < NeighbourMaxMs));
            }
        foreach (var (form, telemetry, round) in modes.Select(m => (m.Form, m.Telemetry, m.Round)).Distinct())
        {
            var batched = modes.FirstOrDefault(m => m.Form == form && m.Telemetry == telemetry && m.Round == round && m.Mode == HotPlugModes.Name(HotPlugMode.Batched));
            var perQueue = modes.FirstOrDefault(m => m.Form == form && m.Telemetry == telemetry && m.Round == round && m.Mode == HotPlugModes.Name(HotPlugMode.PerQueue));
            if (batched is not null)
            {
                var spread = batched.UpdatesPerGuestPerScan;
                targets.Add(new($"{batched.Run}: exactly 1 update per guest per scan", $"{F(spread.Min, 2)}..{F(spread.Max, 2)}",
                    spread is { Min: 1, Max: 1 }));
            }
            if ((fullScale || fanOut) && batched is not null && form == BusEventForms.Name(BusEventForm.PerQueue)
                && ceilings.FirstOrDefault(c => c.Form == form) is { } ceiling)
            {
                var ratio = batched.MessagesPerSecond / ceiling.MessagesPerSecond;
                targets.Add(new($"{batched.Run} {(fullScale ? "full-scale scan" : "fan-out")}, config change to last guest applied, " +
                                $"at >= {F(PerQueueShareOfCeiling, 1)} x the ceiling's message rate",
                    $"{F(batched.MessagesPerSecond, 0)} msg/s = {F(ratio, 2)} x {F(ceiling.MessagesPerSecond, 0)}", ratio >= PerQueueShareOfCeiling));
            }
            if (fullScale && batched is not null)
            {
                if (form == BusEventForms.Name(BusEventForm.Grouped))
                {
                    var slowest = batched.Scans.Max(s => s.WholeMs);
                    targets.Add(new($"{batched.Run} full-scale scan, config change to last guest applied < {GroupedFullScaleMs / 1000:F0} s",
                        batched.Scans.Count == 1 ? Ms(slowest) : $"slowest of {batched.Scans.Count} scans {Ms(slowest)}", slowest < GroupedFullScaleMs));
                }
                var latency = batched.ScanCompleteToLastApplied;
                targets.Add(new($"{batched.Run}: ScanComplete to guest applied, p99 < 250 ms for 256 guests",
                    $"p99 {F(latency.P99, 1)} ms over {latency.Count} guests", latency.Count > 0 && latency.P99 < 250));
            }
            // Every run: the per-queue mode's scan too, the baseline whose 65,536 guest updates are the most VfioAp writes at once.
            if (fullScale || fanOut)
                foreach (var run in new[] { batched, perQueue }.OfType<ModeResult>())
                    if (run.Memory.Where(m => m.Service == "VfioAp").Select(m => double.IsNaN(m.ScanPeakMiB) ? m.SetUpPeakMiB : m.ScanPeakMiB).ToList() is { Count: > 0 } vfioAp)
                    {
                        var peakMiB = vfioAp.Max();
                        var peakMB = peakMiB * BytesPerMiB / 1e6;
                        targets.Add(new($"{run.Run}: every VfioAp's peak memory < {VfioApPeakMB:F0} MB during the {(fullScale ? "full-scale scan" : "fan-out")}",
                            $"{F(peakMiB, 0)} MiB VmHWM = {F(peakMB, 0)} MB", peakMB < VfioApPeakMB));
                    }
            if (fullScale && batched is not null && perQueue is not null)
            {
                var updates = perQueue.UpdatesPerGuestPerScan.Mean / batched.UpdatesPerGuestPerScan.Mean;
                var suspended = perQueue.SuspendedMsPerGuest.Mean / batched.SuspendedMsPerGuest.Mean;
                targets.Add(new($"{perQueue.Run}: >= 100 x the guest updates and suspended time of {batched.Mode}",
                    $"{F(updates, 0)} x updates, {F(suspended, 0)} x suspended time", updates >= 100 && suspended >= 100));
            }
        }
        foreach (var (form, mode) in modes.Where(m => m.Telemetry == "on").Select(m => (m.Form, m.Mode)).Distinct())
        {
            var on = modes.Where(m => m.Telemetry == "on" && m.Form == form && m.Mode == mode).ToList();
            var off = modes.Where(m => m.Telemetry == "off" && m.Form == form && m.Mode == mode).ToList();
            if (off.Count == 0) continue;
            // All against the same ceiling: the mean ratio drops as much as the stack's mean rate; the means of ABBA rounds cancel a drift.
            var drop = 1 - on.Average(m => m.MessagesPerSecond) / off.Average(m => m.MessagesPerSecond);
            var ceiling = ceilings.FirstOrDefault(c => c.Form == form);
            string Rates(List<ModeResult> runs) => ceiling is null
                ? $"{string.Join(", ", runs.Select(m => F(m.MessagesPerSecond, 0)))} msg/s"
                : $"{string.Join(", ", runs.Select(m => F(m.MessagesPerSecond / ceiling.MessagesPerSecond, 3)))} x";
            var means = (off.Count, on.Count) switch
            {
                (1, 1) => "",
                var (offRuns, onRuns) when offRuns == onRuns => $" (means of {offRuns} runs each)",
                var (offRuns, onRuns) => $" (means of {offRuns} off and {onRuns} on runs)",
            };
            var (cpuOff, cpuOn) = (off.Average(m => m.CpuMsPerThousandMessages), on.Average(m => m.CpuMsPerThousandMessages));
            var cpu = double.IsNaN(cpuOff) || double.IsNaN(cpuOn) ? ""
                : $"; machine CPU per 1,000 messages off {F(cpuOff, 0)} ms, on {F(cpuOn, 0)} ms ({(cpuOn >= cpuOff ? "+" : "-")}{F(Math.Abs(cpuOn / cpuOff - 1) * 100, 1)} %)";
            targets.Add(new($"{mode}, {form} events, telemetry on: ratio to the ceiling drops by at most {TelemetryMaxDrop * 100:F0} %",
                $"off {Rates(off)}; on {Rates(on)} ({(ceiling is null ? "no ceiling measured" : $"of {F(ceiling.MessagesPerSecond, 0)} msg/s")}): " +
                $"{(drop >= 0 ? "drops" : "rises")} {F(Math.Abs(drop) * 100, 1)} %{means}{cpu}", drop <= TelemetryMaxDrop));
        }
        return targets;
    }

    static string Ms(double ms) => ms < 1000 ? $"{F(ms, 0)} ms" : $"{F(ms / 1000, 2)} s";

    static string F(double value, int decimals) => value.ToString("N" + decimals, CultureInfo.InvariantCulture);
}
