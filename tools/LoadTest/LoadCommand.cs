using Apmatrix.Contracts;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Apmatrix.Engine;
using MassTransit;
using Npgsql;

namespace Apmatrix.LoadTest;

/// <summary>
/// The whole command: a fresh virtual host and databases, the ceiling of each event form, the services as child
/// processes, each event form and hot-plug mode in turn, the report. Bounded by <see cref="LoadOptions.Timeout"/>; Ctrl-C and
/// SIGTERM stop the children too.
/// </summary>
public static class LoadCommand
{
    const string VirtualHost = "apmatrix-load";
    const string DatabaseSuffix = "load";
    static readonly string[] Services = ["apbus", "vfioap", "guestvm"];

    public static async Task<int> RunAsync(LoadOptions options, string repository, TextWriter log)
    {
        using var run = new CancellationTokenSource(options.Timeout);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            run.Cancel();
        }

        // One run at a time: a second would re-create the virtual host and databases under the first.
        using var exclusive = ExclusiveRun(repository);
        var started = DateTimeOffset.UtcNow;
        var loadAtStart = LoadAverage();
        var clock = Stopwatch.StartNew();
        var servers = Servers.FromEnvironment();
        if (options.Nodes.Count > 0) servers.UseCluster(ClusterNodes.FromEnvironment(options.Nodes));
        var failures = new List<string>();
        var modes = new List<ModeResult>();
        var ceilings = new List<CeilingResult>();
        Dictionary<string, long>? errorQueues = null;
        OtlpReceived? otlp = null;
        var phase = "preparing the servers";
        var note = "";
        var faults = new List<string>();
        try
        {
            note = await servers.UseFreshVirtualHostAsync(VirtualHost, run.Token)
                ? $"Fresh virtual host {VirtualHost}."
                : "rabbitmqctl unavailable: ran in the configured virtual host, where queues of other runs may take copies.";
            foreach (var service in Services)
                await servers.DropDatabaseAsync($"{service}_{DatabaseSuffix}", run.Token);

            if (options.MeasureCeiling)
                foreach (var form in options.Forms)
                {
                    phase = $"measuring the ceiling of {BusEventForms.Name(form)} events";
                    var messages = (int)ExpectedHost.TimedMessages(options, form, options.Modes[0]);
                    // Bus events reach VfioAp's queue and every extra subscriber's.
                    var queues = 1 + options.Subscribers;
                    log.WriteLine($"ceiling, {BusEventForms.Name(form)} events: {messages:N0} messages, each to {queues} queue(s), through MassTransit and RabbitMQ alone...");
                    ceilings.Add(await Ceiling.MeasureAsync(BusEventForms.Name(form), servers.Broker, "", messages, queues, log, run.Token, servers.Topology));
                }

            for (var setting = 0; setting < options.Telemetry.Count; setting++)
            {
                var telemetry = options.Telemetry[setting];
                if (setting > 0)
                {
                    // Each telemetry setting starts as the first did: an empty virtual host and databases, instances of its own.
                    phase = "preparing the servers again";
                    await servers.UseFreshVirtualHostAsync(VirtualHost, run.Token);
                    foreach (var service in Services)
                        await servers.DropDatabaseAsync($"{service}_{DatabaseSuffix}", run.Token);
                    // The backlog's pooled connections to the dropped databases were ended with them.
                    NpgsqlConnection.ClearAllPools();
                }
                var label = options.Telemetry is [false] ? null : telemetry ? "on" : "off";
                int? round = options.TelemetryRounds > 1 ? setting / 2 + 1 : null;
                var sink = telemetry ? OtlpSink.Start() : null;
                try
                {
                    errorQueues = Sum(errorQueues, await RunStackAsync(sink?.Settings ?? OtlpSink.Off, label, round));
                }
                finally
                {
                    // Stopped after the stack, which flushes its last spans and metrics as it stops.
                    if (sink is not null)
                    {
                        await sink.DisposeAsync();
                        otlp = sink.Received();
                        log.WriteLine($"  OTLP sink: {ReportWriter.Describe(otlp)}");
                    }
                }
            }

            // The machine's speed drifts over minutes: the fastest batching again, now that the services have stopped.
            for (var i = 0; i < ceilings.Count; i++)
            {
                phase = $"measuring the ceiling of {ceilings[i].Form} events again";
                ceilings[i] = await Ceiling.RepeatAsync(ceilings[i], servers.Broker, "", log, run.Token, servers.Topology);
            }
        }
        catch (OperationCanceledException) when (run.IsCancellationRequested)
        {
            failures.Add($"stopped after {clock.Elapsed.TotalSeconds:F0} s (limit {options.Timeout.TotalSeconds:F0} s) during {phase}");
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or MatrixException)
        {
            failures.Add($"{phase}: {e.Message}");
        }

        // One telemetry setting: the services started with its settings, warmed up, set up, every form and mode timed; its error queues.
        async Task<Dictionary<string, long>?> RunStackAsync(IReadOnlyList<(string, string)> environment, string? telemetry, int? round)
        {
            var named = (telemetry is null ? "" : $", telemetry {telemetry}") + (round is null ? "" : $", round {round}");
            phase = $"starting the services{named}";
            log.WriteLine($"starting {options.VfioApInstances} VfioAp, {options.GuestVmInstances} GuestVm, {options.ApBusInstances} ApBus{named}...");
            await using var stack = await ChildStack.StartAsync(repository, servers, options.ApBusInstances, options.VfioApInstances, options.GuestVmInstances,
                DatabaseSuffix, "", log, run.Token, environment);
            await using var observers = await Observers.StartAsync(servers.Broker, "", options.Subscribers, clock, run.Token, servers.Topology);
            phase = $"warming up{named}";
            // JIT, connection pools and queue bindings first, so the first timed mode pays no start-up the second does not.
            var warmUp = options with { Name = "warm-up", Hosts = 1, Adapters = 4, Domains = 4, Guests = 2, Scans = 2, Fault = null, Poison = 0,
                Neighbours = Math.Min(options.Neighbours, 1), NeighbourIdleChanges = 2 };
            using (var warm = new LoadRun(warmUp, stack, observers, clock, TextWriter.Null))
            {
                await warm.SetUpAsync(run.Token);
                foreach (var mode in options.Modes)
                    foreach (var form in options.Forms)
                        failures.AddRange((await warm.RunAsync(form, mode, run.Token)).Failures.Select(f => $"warm-up{named}: {f}"));
            }
            var databases = Services.ToDictionary(service => service, service => $"{service}_{DatabaseSuffix}");
            using var load = new LoadRun(options, stack, observers, clock, log,
                options.Fault is null ? new Backlog(servers, databases, "") : null, servers);
            phase = $"setting up{named}";
            await load.SetUpAsync(run.Token);
            // Mode by mode, batched first: a per-queue scan's 65,536 guest updates leave VfioAp's resident memory high, and
            // the judged batched runs must not start on what the baseline left.
            foreach (var mode in options.Modes)
                foreach (var form in options.Forms)
                {
                    phase = $"the {HotPlugModes.Name(mode)} run with {BusEventForms.Name(form)} events{named}";
                    modes.Add(await load.RunAsync(form, mode, run.Token) with { Telemetry = telemetry, Round = round });
                }
            faults.AddRange(load.Faults);
            var errors = await servers.ErrorQueuesAsync(run.Token);
            // The poison, and nothing else, ends in _error: in the _error queue of the lane it was sent to.
            var poisoned = new Dictionary<string, long> { [$"{EventQueues.Poisoned}_error"] = (long)options.Poison * options.Scans * options.Modes.Count * options.Forms.Count };
            foreach (var (queue, count) in errors ?? [])
                if (count != poisoned.GetValueOrDefault(queue)) failures.Add($"{count} message(s) in {queue}{named}");
            foreach (var (queue, count) in poisoned.Where(p => p.Value > 0))
                if (errors?.GetValueOrDefault(queue) != count)
                    failures.Add($"{errors?.GetValueOrDefault(queue)} of the {count} poison messages in {queue}{named}");
            return errors;
        }

        var environment = new RunEnvironment(System.Environment.MachineName, System.Environment.ProcessorCount, RuntimeInformation.FrameworkDescription,
            $"{servers.Broker.Host}:{servers.Broker.Port}{servers.Broker.AbsolutePath}", typeof(IBus).Assembly.GetName().Version?.ToString() ?? "?",
            $"{loadAtStart} at the start, {LoadAverage()} at the end", faults.Count == 0 ? note : $"{note} Faults: {string.Join("; ", faults)}.");
        var report = new LoadReport(options.Name, started, environment, options, ceilings, modes, Targets.Evaluate(options, ceilings, modes),
            errorQueues, failures, otlp);
        var path = await ReportWriter.WriteAsync(report, Path.Combine(repository, options.ReportDirectory), CancellationToken.None);
        foreach (var failure in failures) log.WriteLine($"FAILED: {failure}");
        foreach (var target in report.Targets) log.WriteLine($"  {(target.Met ? "met   " : "MISSED")}  {target.Target}: {target.Measured}");
        log.WriteLine($"{(report.Passed ? "final state exact" : "FAILED")}; report {path}");
        return report.Passed ? 0 : 1;
    }

    static FileStream ExclusiveRun(string repository)
    {
        var path = Path.Combine(repository, ".run", "load.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new InvalidOperationException($"another load run holds {path}");
        }
    }

    /// <summary>Error queues of several virtual hosts, added up; null while none could be read.</summary>
    static Dictionary<string, long>? Sum(Dictionary<string, long>? total, Dictionary<string, long>? more)
    {
        if (total is null || more is null) return total ?? more;
        foreach (var (queue, count) in more) total[queue] = total.GetValueOrDefault(queue) + count;
        return total;
    }

    /// <summary>The 1-minute load average: figures measured beside other work are not comparable.</summary>
    static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
}
