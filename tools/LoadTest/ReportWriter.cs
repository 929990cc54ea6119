using Apmatrix.Contracts;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Apmatrix.LoadTest;

/// <summary>Writes reports/load-NAME.json, .md and .svg.</summary>
public static class ReportWriter
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public static async Task<string> WriteAsync(LoadReport report, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, $"load-{report.Name}");
        await File.WriteAllTextAsync(stem + ".json", JsonSerializer.Serialize(report, Json), cancellationToken);
        await File.WriteAllTextAsync(stem + ".svg", Chart.Svg(report), cancellationToken);
        await File.WriteAllTextAsync(stem + ".md", Markdown(report, Path.GetFileName(stem) + ".svg"), cancellationToken);
        return stem + ".md";
    }

    static string Markdown(LoadReport r, string chart)
    {
        var o = r.Options;
        var md = new StringBuilder();
        md.AppendLine($"# Load test `{r.Name}`: {(r.Passed ? "final state exact" : "FAILED")}");
        md.AppendLine();
        md.AppendLine($"{r.Started:yyyy-MM-dd HH:mm} UTC on {r.Environment.Machine} ({r.Environment.Processors} CPUs), {r.Environment.Runtime}, " +
                      $"MassTransit {r.Environment.MassTransit}, broker `{r.Environment.Broker}`; 1-minute load average {r.Environment.LoadAverage}. {r.Environment.Note}");
        md.AppendLine();
        md.AppendLine($"{o.Hosts} host(s), each scanned {o.Scans} time(s) ({string.Join(", ", Enumerable.Range(0, o.Scans).Select(s => o.ConfigOfScan(s).Apm.IsEmpty ? "to empty" : "from empty to full"))}), " +
                      $"full = {o.Adapters} adapters x {o.Domains} domains; {o.Guests} mdevs/guests per host of {o.Vcpus} vCPUs, mdev i holding every " +
                      $"adapter and the domains d with d mod {o.Guests} = i. {o.ApBusInstances} ApBus (host i calling instance i mod {o.ApBusInstances}), " +
                      $"{o.VfioApInstances} VfioAp and {o.GuestVmInstances} GuestVm instance(s) (competing consumers, one database per service), {o.Subscribers} extra subscriber queue(s). " +
                      $"Bus events {string.Join(" and ", r.Modes.Select(m => m.Form).Distinct().Select(EventFormText))}.");
        md.AppendLine();
        if (o.Neighbours > 0)
        {
            var layout = NeighbourLayout.Layout;
            md.AppendLine($"{o.Neighbours} neighbour host(s) beside them: {layout.Adapters - 1} adapters x {layout.Domains} domains, batched, grouped events, one " +
                          $"mdev holding adapters 0-{NeighbourLayout.Toggled} x domains 0-{layout.Domains - 1} attached to one guest of {layout.Vcpus} vCPU; " +
                          $"each adds and removes adapter {NeighbourLayout.Toggled} in turn (one guest update per change), every " +
                          $"{o.NeighbourEvery.TotalMilliseconds:F0} ms: {o.NeighbourIdleChanges} changes each before each mode's scans with nothing else running " +
                          "(idle), then from the start of each timed scan until its last guest is applied (beside the scan). A change is timed from " +
                          "just before its `PUT ApBus /hosts/{h}/config` to the first acknowledgement (`ApcbsApplied`) of its guest at or after the version it causes, at " +
                          "the run's timing queue.");
            md.AppendLine();
        }

        if (r.Ceilings.Count > 0)
        {
            md.AppendLine($"## Ceiling: MassTransit over RabbitMQ alone, {string.Join(" and ", r.Ceilings.Select(c => $"{c.Messages:N0} messages ({c.Form} events)"))}");
            md.AppendLine();
            md.AppendLine("Durable exchanges and queues, persistent messages, publisher confirms; publish and consume overlap; " +
                          "timed from the first publish to the last consume, before any service runs" +
                          (r.Ceilings.Any(c => c.After is not null) ? ", and the fastest batching once more after they stopped: the ceiling is the mean of its two rates" : "") +
                          ". Per event form, as many messages as the form's run moves, each of one queue event's size.");
            md.AppendLine();
            md.AppendLine("| events | messages | batching | prefetch | queues per message | message body | seconds | messages/s | machine CPU per RabbitMQ CPU-second |");
            md.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|");
            foreach (var ceiling in r.Ceilings)
            {
                foreach (var t in ceiling.Trials)
                    md.AppendLine($"| {ceiling.Form} | {ceiling.Messages:N0} | {t.Name}{(t == ceiling.Best ? " (**fastest**)" : "")} | {t.Prefetch:N0} | {t.Queues} | " +
                                  $"{t.BodyBytes:N0} B | {t.Seconds:F2} | {t.MessagesPerSecond:N0} | {PerBroker(t.CpuPerBrokerSecond)} |");
                if (ceiling.After is { } a)
                    md.AppendLine($"| {ceiling.Form} | {ceiling.Messages:N0} | {a.Name}, again after the services stopped | {a.Prefetch:N0} | {a.Queues} | " +
                                  $"{a.BodyBytes:N0} B | {a.Seconds:F2} | {a.MessagesPerSecond:N0} | {PerBroker(a.CpuPerBrokerSecond)} |");
                md.AppendLine($"| {ceiling.Form} | | **ceiling**{(ceiling.After is null ? "" : ": the mean of the fastest and its repeat")} | | | | | **{ceiling.MessagesPerSecond:N0}** | |");
            }
            md.AppendLine();
        }

        md.AppendLine("## Timed phase");
        md.AppendLine();
        md.AppendLine("Timed from the config change (`PUT ApBus /hosts/{h}/config`, all hosts at once) to the last guest's acknowledgement (`ApcbsApplied`) " +
                      $"arriving at the run's own timing queue; backlogs sampled every {Backlog.Interval.TotalSeconds:0.#} s (outbox rows, queue depths). ScanComplete-to-applied is one value per updated guest: the arrival of its " +
                      "last guest acknowledgement of the scan minus the arrival of its host's `ScanComplete`, both on that queue (HdrHistogram). " +
                      "Machine CPU: the busy ticks of `/proc/stat` (user, nice, system, irq, softirq, steal) from the config change to the " +
                      "last guest applied, of every process on the machine, broker and database included; by part, the same span's user and system time " +
                      "of each service's instances, the broker's Erlang VMs, PostgreSQL's processes (exited backends included) and this tool, from `/proc/[pid]/stat`. " +
                      "Machine CPU per RabbitMQ CPU-second: the scan and the ceiling move the same messages through the same broker, so this compares what " +
                      "everything beyond the broker costs, whatever the machine's speed while each ran.");
        md.AppendLine();
        md.AppendLine($"| figure | {string.Join(" | ", r.Modes.Select(m => m.Run))} |");
        md.AppendLine($"|---|{string.Concat(r.Modes.Select(_ => "---:|"))}");
        Row(md, r, "set-up HTTP calls; seconds for all modes' hosts together (not timed)", m => $"{m.SetUpCalls:N0}; {m.SetUpSeconds:F1} s");
        Row(md, r, "bus event messages / guest updates / messages", m => $"{m.Events:N0} / {m.Updates:N0} / {m.Messages:N0}");
        Row(md, r, "ApBus answers the config change (scan + outbox commit)", m => Ms(m.Scans.Sum(s => s.ApBusMs)));
        Row(md, r, "VfioAp has applied every event", m => Ms(m.VfioApSeconds * 1000));
        Row(md, r, "**event messages/s through VfioAp**", m => $"**{m.EventsPerSecondThroughVfioAp:N0}**");
        Row(md, r, "ScanComplete at the timing queue", m => Ms(m.Scans.Sum(s => s.ScanCompleteMs)));
        Row(md, r, "**config change to last guest applied**", m => $"**{Ms(m.WholeSeconds * 1000)}**");
        Row(md, r, "stack messages/s", m => $"{m.MessagesPerSecond:N0}");
        if (r.Ceilings.Count > 0)
        {
            Row(md, r, "ceiling messages/s (this form's)", m => r.Ceilings.FirstOrDefault(c => c.Form == m.Form) is { } c ? $"{c.MessagesPerSecond:N0}" : "-");
            Row(md, r, "**stack rate / ceiling rate**", m => r.Ceilings.FirstOrDefault(c => c.Form == m.Form) is { } c
                ? $"**{m.MessagesPerSecond / c.MessagesPerSecond:F2}**" : "-");
        }
        Row(md, r, "machine CPU, ms per 1,000 messages", m => double.IsNaN(m.CpuMsPerThousandMessages) ? "-" : $"{m.CpuMsPerThousandMessages:N0}");
        Row(md, r, "machine CPU per RabbitMQ CPU-second (the ceiling's fastest batching)", m =>
            PerBroker(m.CpuPerBrokerSecond) + (r.Ceilings.FirstOrDefault(c => c.Form == m.Form) is { } c ? $" ({PerBroker(c.Best.CpuPerBrokerSecond)})" : ""));
        Row(md, r, "CPU seconds by part (`/proc`)", m => m.CpuSecondsByPart.Count == 0 ? "-"
            : string.Join(", ", m.CpuSecondsByPart.Select(p => $"{p.Key} {p.Value:F1}")));
        Row(md, r, "ScanComplete to last guest applied p50 / p99 / max", m => m.ScanCompleteToLastApplied is { Count: > 0 } p
            ? $"{p.P50:F1} / {p.P99:F1} / {p.Max:F1} ms (n = {p.Count})" : "-");
        Row(md, r, "guests whose last update came before ScanComplete", m => $"{m.AppliedBeforeScanComplete:N0}");
        Row(md, r, "**guest updates per guest per scan** (min / mean / max)", m => Spread(m.UpdatesPerGuestPerScan, "F2"));
        Row(md, r, "**vCPU-suspended ms per guest** (min / mean / max)", m => Spread(m.SuspendedMsPerGuest, "F2"));
        Row(md, r, "duplicate guest acknowledgements seen", m => $"{m.DuplicateAcknowledgements:N0}");
        Row(md, r, "bus events parked for coming before an earlier one of their host (VfioAp's `bus_events.arrived_early`)",
            m => m.EventsArrivedEarly is { } early ? $"{early:N0} of {m.Events:N0}" : "-");
        Row(md, r, "requests answered 429 and sent again after their Retry-After (their waits are in the times)", m => $"{m.RequestsSentAgain:N0}");
        if (r.Modes.Any(m => m.Neighbours is not null))
        {
            Row(md, r, "neighbour change to guest applied, idle: p50 / p99 / max (applied of changes)", m => Changes(m.Neighbours?.Idle, m.Neighbours?.IdleChanges));
            Row(md, r, "**neighbour change to guest applied, beside the scan**: p50 / p99 / max (applied of changes)",
                m => Changes(m.Neighbours?.Loaded, m.Neighbours?.LoadedChanges));
            // One neighbour far slower than the rest shares a lane with a big host (docs/ARCHITECTURE.md, "Host lanes").
            Row(md, r, "neighbour change beside the scan, each neighbour: p50 / max", m => m.Neighbours is { } n
                ? string.Join("; ", n.LoadedByHost.Select(h => $"{h.Host.Replace(o.Name + "-", "", StringComparison.Ordinal)} {h.Loaded.P50:F0} / {h.Loaded.Max:F0} ms"))
                : "-");
            Row(md, r, $"the {NeighbourLatency.Slowest} slowest neighbour changes beside the scan: time, made s into the scan", m => m.Neighbours is { SlowestLoaded.Count: > 0 } n
                ? string.Join("; ", n.SlowestLoaded.Select(c => $"{c.Milliseconds:F0} ms at {c.MadeAt / 1000:F1} s"))
                : "-");
        }
        if (r.Modes.Any(m => m.Scans[0].Backlog is not null))
        {
            Row(md, r, "scan 1 backlog: ApBus outbox, last non-empty (peak rows)", m => Drained(m, b => (b.ApBusOutboxLastBusyMs, b.ApBusOutboxPeak)));
            Row(md, r, "scan 1 backlog: bus-event queues, last non-empty (peak messages)", m => Drained(m, b => (b.BusQueuesLastBusyMs, b.BusQueuesPeak)));
            Row(md, r, "scan 1 backlog: apply-apcbs queue, last non-empty (peak messages)", m => Drained(m, b => (b.ApplyApcbLastBusyMs, b.ApplyApcbPeak)));
            Row(md, r, "scan 1 backlog: VfioAp / GuestVm outbox peak rows", m => m.Scans[0].Backlog is { } b
                ? $"{b.VfioApOutboxPeak:N0} / {b.GuestVmOutboxPeak:N0}" : "-");
        }
        foreach (var instance in r.Modes.SelectMany(m => m.Memory).Select(i => i.Name).Distinct())
            Row(md, r, $"peak memory {instance}, scan (set-up) MiB", m => m.Memory.FirstOrDefault(i => i.Name == instance) is { } i
                ? $"{i.ScanPeakMiB:F0} ({i.SetUpPeakMiB:F0})" : "-");
        if (o.Subscribers > 0)
            Row(md, r, "extra subscribers: deliveries, missing, duplicates, redelivered, first deliveries out of order", m =>
                $"{m.Subscribers.Sum(s => s.Delivered):N0}, {m.Subscribers.Sum(s => s.Missing):N0}, {m.Subscribers.Sum(s => s.Duplicates):N0}, " +
                $"{m.Subscribers.Sum(s => s.Redelivered):N0}, {m.Subscribers.Sum(s => s.OutOfOrder):N0}");
        Row(md, r, "final state", m => m.Exact ? "exact" : $"**{m.Failures.Count} differences**");
        md.AppendLine();

        if (r.Modes.Any(m => m.Scans.Count > 1))
        {
            md.AppendLine("### Per scan");
            md.AppendLine();
            md.AppendLine("| mode, events | scan | event messages | updates | ApBus ms | VfioAp ms | messages/s | ScanComplete ms | last applied ms |");
            md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var m in r.Modes)
                foreach (var s in m.Scans)
                    md.AppendLine($"| {m.Run} | {s.Scan} {s.Config} | {s.Events:N0} | {s.Updates:N0} | {s.ApBusMs:F0} | {s.VfioApMs:F0} | " +
                                  $"{s.EventsPerSecondThroughVfioAp:N0} | {s.ScanCompleteMs:F0} | {s.WholeMs:F0} |");
            md.AppendLine();
        }

        var disorderly = r.Modes.SelectMany(m => m.Subscribers.Where(s => !s.Complete || !s.InOrder).Select(s => (Mode: m.Run, s))).ToList();
        if (disorderly.Count > 0)
        {
            md.AppendLine("### Extra subscribers that saw a host's events incomplete or out of order");
            md.AppendLine();
            md.AppendLine("| mode, events | queue | host | delivered of last | missing | duplicates | out of order | first out of order |");
            md.AppendLine("|---|---|---|---:|---:|---:|---:|---|");
            foreach (var (mode, s) in disorderly.Take(20))
                md.AppendLine($"| {mode} | {s.Queue} | {s.Host} | {s.Delivered:N0} of {s.LastSequence:N0} | {s.Missing:N0} | {s.Duplicates:N0} | " +
                              $"{s.OutOfOrder:N0} | {s.FirstOutOfOrder} |");
            if (disorderly.Count > 20) md.AppendLine($"| ... {disorderly.Count - 20} more in the JSON | | | | | | | |");
            md.AppendLine();
        }

        if (r.Otlp is { } otlp)
        {
            md.AppendLine($"Telemetry on: each service exported by OTLP (http/protobuf) to the load tool's sink at {otlp.Endpoint}, traces sampled at the " +
                          $"services' default ratio, metrics every {OtlpSink.MetricExportIntervalMs / 1000} s. " +
                          $"Received{(r.Modes.Any(m => m.Round > 1) ? " in the last round with telemetry on" : "")}: {Describe(otlp)}.");
            md.AppendLine();
        }

        md.AppendLine($"![guest updates and suspended time per mode and event form]({chart})");
        md.AppendLine();
        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine("| target | measured | |");
        md.AppendLine("|---|---|---|");
        foreach (var t in r.Targets) md.AppendLine($"| {t.Target} | {t.Measured} | {(t.Met ? "met" : "**missed**")} |");
        md.AppendLine();

        var failures = r.Failures.Concat(r.Modes.SelectMany(m => m.Failures.Select(f => $"{m.Run}: {f}"))).ToList();
        if (r.ErrorQueues is { Count: > 0 } errors)
            md.AppendLine($"Error queues: {string.Join(", ", errors.Select(e => $"`{e.Key}` {e.Value}"))}.").AppendLine();
        if (failures.Count > 0)
        {
            md.AppendLine("## Failures");
            md.AppendLine();
            foreach (var f in failures.Take(50)) md.AppendLine($"- {f}");
            if (failures.Count > 50) md.AppendLine($"- ... and {failures.Count - 50} more (see the JSON)");
        }
        return md.ToString();
    }

    /// <summary>Per path: requests, bytes, and the spans or metrics by service.</summary>
    public static string Describe(OtlpReceived otlp) => otlp.Paths.Count == 0 ? "nothing"
        : string.Join("; ", otlp.Paths.Select(p => $"{p.Path} {p.Requests:N0} requests, {p.Bytes / 1024.0:N0} KiB, {p.Items:N0} " +
            $"{(p.Path.EndsWith("/traces", StringComparison.Ordinal) ? "spans" : p.Path.EndsWith("/metrics", StringComparison.Ordinal) ? "metrics" : "items")}" +
            (p.ItemsByService.Count == 0 ? "" : $" ({string.Join(", ", p.ItemsByService.Select(s => $"{s.Key} {s.Value:N0}"))})")));

    static void Row(StringBuilder md, LoadReport r, string name, Func<ModeResult, string> value) =>
        md.AppendLine($"| {name} | {string.Join(" | ", r.Modes.Select(value))} |");

    static string Drained(ModeResult m, Func<BacklogSummary, (double LastBusyMs, long Peak)> backlog) =>
        m.Scans[0].Backlog is { } b && backlog(b) is var (last, peak) ? $"{Ms(last)} ({peak:N0})" : "-";

    static string EventFormText(string form) => form == BusEventForms.Name(BusEventForm.Grouped)
        ? "grouped (a scan's probes or removals are one message of APQN runs)"
        : "per queue (one message per queue event)";

    static string Changes(Percentiles? p, long? changes) => p is null ? "-"
        : $"{p.P50:F1} / {p.P99:F1} / {p.Max:F1} ms ({p.Count:N0} of {changes:N0})";

    static string PerBroker(double ratio) => double.IsFinite(ratio) ? $"{ratio:F2}" : "-";

    static string Ms(double ms) => ms >= 10_000 ? $"{ms / 1000:F1} s" : $"{ms:F0} ms";

    static string Spread(Spread s, string format) =>
        $"{s.Min.ToString(format, CultureInfo.InvariantCulture)} / {s.Mean.ToString(format, CultureInfo.InvariantCulture)} / {s.Max.ToString(format, CultureInfo.InvariantCulture)}";
}
