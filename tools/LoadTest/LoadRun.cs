using System.Diagnostics;
using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Engine;
using Apmatrix.Scenarios.Stack;

namespace Apmatrix.LoadTest;

/// <summary>
/// Hot-plug modes through a running stack, in each event form, each pair on hosts of its own: every host is set up over
/// HTTP at once (not timed); then per form and mode the scans run on all its hosts at once (timed, one scan after
/// another), and the final state is checked against the in-process engine and the extra subscribers'
/// view of every host's events. The neighbours (<see cref="NeighbourLayout"/>), shared by every form and mode, make their
/// timed changes before each mode's scans with nothing else running, and again beside each scan.
/// </summary>
public sealed class LoadRun(LoadOptions options, IStack stack, Observers observers, Stopwatch clock, TextWriter log, Backlog? backlog = null,
    Servers? servers = null)
    : IDisposable
{
    // Outside a scan each host is polled on its own; with many hosts the polls themselves would load VfioAp.
    readonly TimeSpan _poll = TimeSpan.FromMilliseconds(Math.Clamp(10 * options.Hosts, 50, 200));
    // A scan's hosts are watched in one request (AppliedWatch), and what the timing queue saw is in memory: read often.
    static readonly TimeSpan ScanPoll = TimeSpan.FromMilliseconds(50);
    static readonly TimeSpan InMemoryPoll = TimeSpan.FromMilliseconds(25);
    // Longer than VfioAp's re-send of unacknowledged updates (10 s by default), so a re-send can still rescue a lost one;
    // a fault's outage comes on top, as nothing can move while a server is down.
    readonly TimeSpan _stall = TimeSpan.FromSeconds(45) + (options.Fault is null ? TimeSpan.Zero : options.FaultFor);
    // Waiting ends this long before the run's timeout, leaving time to read the state and write the report.
    readonly TimeSpan _deadline = options.Timeout - TimeSpan.FromSeconds(60);
    // Polls go to the VfioAp instances that live on, where there are some; a lone one is polled through its restart.
    readonly ServiceClients _clients = new(stack, options.Fault == LoadFault.KillVfioAp && stack.VfioAp.Count > 1 ? stack.VfioAp[^1].Name : null);
    readonly FaultInjector? _faults = options.Fault is null ? null
        : new FaultInjector(options, stack, servers ?? throw new ArgumentNullException(nameof(servers), "a fault needs the run's servers"));
    // Numbered across every form and mode, so that the hosts spread over the ApBus instances whatever the run's shape.
    readonly Dictionary<(BusEventForm, HotPlugMode), List<RunHost>> _hosts = options.Forms.SelectMany(form => options.Modes.Select(mode => (form, mode)))
        .SelectMany(run => Enumerable.Range(1, options.Hosts).Select(i => (run.form, run.mode, i)))
        .Select((host, index) => new RunHost(index, HostName(options.Name, host.form, host.mode, host.i), host.form, host.mode, options))
        .GroupBy(host => (host.Form, host.Mode)).ToDictionary(run => run.Key, run => run.ToList());
    readonly List<RunHost> _neighbours = Enumerable.Range(1, options.Neighbours)
        .Select(i => new RunHost(options.Forms.Count * options.Modes.Count * options.Hosts + i - 1, NeighbourName(options.Name, i),
            BusEventForm.Grouped, HotPlugMode.Batched, NeighbourLayout.Layout))
        .ToList();
    double _setUpSeconds = double.NaN;

    /// <summary>
    /// Host modes, event forms and empty configurations first, then every mdev's calls (define its guest, create, write
    /// its whole matrix through <c>ap_config</c>, attach) as one chain, chains of all hosts running side by
    /// side, then the neighbours' configurations; done when VfioAp has applied every event and guests acknowledged.
    /// </summary>
    public async Task SetUpAsync(CancellationToken cancellationToken)
    {
        var hosts = _hosts.Values.SelectMany(h => h).Concat(_neighbours).ToList();
        log.WriteLine($"setting up {hosts.Count - _neighbours.Count} host(s), {options.Guests} mdevs/guests each, and {_neighbours.Count} neighbour(s)...");
        var setUp = Stopwatch.StartNew();

        await Task.WhenAll(hosts.Select(async host =>
        {
            var path = ServiceClients.HostPath(host.Name);
            await host.CallAsync(_clients.VfioAp, HttpMethod.Put, path, new { mode = HotPlugModes.Name(host.Mode) }, cancellationToken);
            var empty = LoadOptions.Empty;
            var answer = await host.CallAsync(_clients.ApBusOf(host.Index), HttpMethod.Put, path, new
            {
                apm = empty.Apm.ToRangeList(), aqm = empty.Aqm.ToRangeList(), adm = empty.Adm.ToRangeList(),
                maxAdapter = empty.MaxAdapter, maxDomain = empty.MaxDomain, apmask = "", aqmask = "", eventForm = BusEventForms.Name(host.Form),
            }, cancellationToken);
            host.LastSequence = host.BaseSequence = answer.GetProperty("lastSequence").GetInt64();
        }));

        var chains = Enumerable.Range(0, options.Guests).SelectMany(i => hosts.Where(h => i < h.Layout.Guests).Select(h => (Host: h, Mdev: i)));
        await Parallel.ForEachAsync(chains, new ParallelOptions { MaxDegreeOfParallelism = options.SetUpConcurrency, CancellationToken = cancellationToken },
            async (chain, _) =>
            {
                var (host, path) = (chain.Host, ServiceClients.HostPath(chain.Host.Name));
                var (mdev, guest) = (LoadOptions.MdevName(chain.Mdev), LoadOptions.GuestName(chain.Mdev));
                var (vfioAp, layout) = (_clients.VfioAp, host.Layout);
                await host.CallAsync(_clients.GuestVm, HttpMethod.Put, $"{path}/guests/{guest}",
                    new { vcpus = layout.Vcpus, format = layout.Full.GuestFormat.ToString() }, cancellationToken);
                await host.CallAsync(vfioAp, HttpMethod.Post, $"{path}/mdevs", new { name = mdev }, cancellationToken);
                var matrix = layout.MatrixOf(chain.Mdev);
                await host.CallAsync(vfioAp, HttpMethod.Put, $"{path}/mdevs/{mdev}/ap_config",
                    new { apm = matrix.Apm.ToRangeList(), aqm = matrix.Aqm.ToRangeList(), adm = matrix.Adm.ToRangeList() }, cancellationToken);
                await host.CallAsync(vfioAp, HttpMethod.Post, $"{path}/mdevs/{mdev}/attach", new { guest }, cancellationToken);
            });

        var failures = new List<string>();
        await Task.WhenAll(_neighbours.Select(n => ChangeAsync(n, NeighbourLayout.SetUp, failures, cancellationToken)));
        if (failures.Count > 0) throw new InvalidOperationException(string.Join("; ", failures));

        await Task.WhenAll(hosts.Select(async host =>
        {
            await UntilAsync(async () => await _clients.VfioApLastSequenceAsync(host.Name, cancellationToken) >= host.LastSequence, cancellationToken);
            await UntilAsync(async () => (await _clients.VfioApGuestsAsync(host.Name, cancellationToken)).Values.All(g => g.Version == g.Acknowledged),
                cancellationToken);
        }));
        _setUpSeconds = setUp.Elapsed.TotalSeconds;
        log.WriteLine($"  set-up: {hosts.Sum(h => h.Calls):N0} HTTP calls in {_setUpSeconds:F1} s");
    }

    /// <summary>Host <paramref name="i"/> of a run's form and mode, named so the services' logs say which it was.</summary>
    public static string HostName(string run, BusEventForm form, HotPlugMode mode, int i) => $"{run}-{BusEventForms.Name(form)}-{HotPlugModes.Name(mode)}-h{i}";

    /// <summary>Longer than the observers' consumer watchdog takes to restart a consumer the broker lost (35 s).</summary>
    static readonly TimeSpan SubscriberPatience = TimeSpan.FromSeconds(45);

    /// <summary>
    /// The extra subscribers' reports on <paramref name="hosts"/>, once their queues are drained: each reads one message at
    /// a time and can be behind after a fault. Taken once each has every host's events, or when none has moved for
    /// <see cref="SubscriberPatience"/>.
    /// </summary>
    async Task<List<SubscriberReport>> SubscriberReportsAsync(List<RunHost> hosts, CancellationToken cancellationToken)
    {
        var (delivered, still) = (-1L, Stopwatch.StartNew());
        while (true)
        {
            var reports = observers.Auditors.SelectMany(a => hosts.Select(h => a.Report(h.Name, h.LastSequence))).ToList();
            if (reports.All(r => r.Missing == 0) || still.Elapsed >= SubscriberPatience) return reports;
            if (reports.Sum(r => r.Delivered) is var now && now != delivered) (delivered, still) = (now, Stopwatch.StartNew());
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>Neighbour <paramref name="i"/> of a run.</summary>
    public static string NeighbourName(string run, int i) => $"{run}-neighbour-h{i}";

    public async Task<ModeResult> RunAsync(BusEventForm form, HotPlugMode mode, CancellationToken cancellationToken)
    {
        if (double.IsNaN(_setUpSeconds)) throw new InvalidOperationException("set up the hosts first");
        var (formName, modeName) = (BusEventForms.Name(form), HotPlugModes.Name(mode));
        var hosts = _hosts[(form, mode)];
        var failures = new List<string>();
        log.WriteLine($"{modeName}, {formName} events: {hosts.Count} host(s)");
        var idle = await NeighbourChangesAsync(options.NeighbourIdleChanges, clock.Elapsed.TotalMilliseconds, CancellationToken.None, failures, cancellationToken);
        if (_neighbours.Count > 0) log.WriteLine($"  neighbours idle: {Describe(idle)}");

        var before = await GuestVmStatesAsync(hosts, cancellationToken);
        // The timing queue lives through the warm-up and every mode: this mode's repeats are the difference.
        var duplicatesBefore = observers.Times.Duplicates;
        var setUpPeaks = stack.All.Where(i => i.ProcessId is not null)
            .ToDictionary(i => i.Name, i => (Peak: ProcessMemory.PeakMiB(i.ProcessId!.Value), Reset: ProcessMemory.ResetPeak(i.ProcessId.Value)));

        var earlyBefore = await ArrivedEarlyAsync(cancellationToken);
        var busyBefore = _clients.BusyAnswers;
        var latencies = new List<double>();
        long appliedBeforeScanComplete = 0;
        var scans = new List<ScanPhases>();
        var loaded = new List<NeighbourChange>();
        for (var scan = 0; scan < options.Scans; scan++)
        {
            var config = options.ConfigOfScan(scan);
            var (phases, lateness, neighbours) = await ScanAsync(hosts, scan, config, failures, cancellationToken);
            scans.Add(phases);
            appliedBeforeScanComplete += lateness.Count(ms => ms < 0);
            latencies.AddRange(lateness.Where(ms => ms >= 0));
            loaded.AddRange(neighbours);
            log.WriteLine($"  scan {scan + 1} ({phases.Config}): {phases.Events:N0} events, {phases.Updates:N0} guest updates; " +
                          $"ApBus {phases.ApBusMs:F0} ms, VfioAp applied all {phases.VfioApMs:F0} ms ({phases.EventsPerSecondThroughVfioAp:N0} events/s), " +
                          $"last guest applied {phases.WholeMs:F0} ms");
            if (_neighbours.Count > 0)
                log.WriteLine($"  neighbours beside it: {Describe(neighbours)}; each: " + string.Join(", ", NeighbourLatency.PerHost(neighbours).Select(h => $"{h.Host} p50 {h.Loaded.P50:F0} / max {h.Loaded.Max:F0} ms")));
        }

        var memory = stack.All.Where(i => i.ProcessId is not null).Select(i => new InstanceMemory(i.Service, i.Name,
            setUpPeaks[i.Name].Peak, setUpPeaks[i.Name].Reset ? ProcessMemory.PeakMiB(i.ProcessId!.Value) : double.NaN)).ToList();
        var after = await VerifyAsync(hosts, failures, cancellationToken);
        await VerifyAsync(_neighbours, failures, cancellationToken);
        var subscribers = await SubscriberReportsAsync(hosts, cancellationToken);
        // A lost event is a failure; repeats and disorder are at-least-once delivery, judged as a target.
        foreach (var s in subscribers.Where(s => s.Missing > 0))
            failures.Add($"subscriber {s.Queue}, host {s.Host}: {s.Missing} of events 1..{s.LastSequence} never arrived");

        // Guests GuestVm does not know are already failures; they count as nothing here.
        var perGuest = after.Keys.ToList();
        return new ModeResult(formName, modeName, hosts.Count, _setUpSeconds, hosts.Sum(h => h.Calls), scans,
            Percentiles.Of(latencies), appliedBeforeScanComplete,
            Spread.Of(perGuest.Select(g => (double)(after[g].Updates - (before.GetValueOrDefault(g)?.Updates ?? 0)) / options.Scans).ToList()),
            Spread.Of(perGuest.Select(g => after[g].SuspendedMilliseconds - (before.GetValueOrDefault(g)?.SuspendedMilliseconds ?? 0)).ToList()),
            memory, subscribers, observers.Times.Duplicates - duplicatesBefore,
            _neighbours.Count == 0 ? null : NeighbourLatency.Of(_neighbours.Count, idle, loaded),
            failures)
        {
            EventsArrivedEarly = earlyBefore is { } early && await ArrivedEarlyAsync(cancellationToken) is { } late ? late - early : null,
            RequestsSentAgain = _clients.BusyAnswers - busyBefore,
        };
    }

    const string ArrivedEarly = "apmatrix_vfioap_bus_events_arrived_early_total";

    /// <summary>VfioAp's count of events parked for coming early; null when an instance does not answer.</summary>
    async Task<long?> ArrivedEarlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (long)await _clients.VfioApMetricAsync(ArrivedEarly, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    static string Describe(IReadOnlyCollection<NeighbourChange> changes)
    {
        var p = NeighbourLatency.Times(changes);
        return $"{p.Count} of {changes.Count} changes applied, change to guest applied p50 {p.P50:F1} / p99 {p.P99:F1} / max {p.Max:F1} ms";
    }

    /// <summary>
    /// Every neighbour's changes at once, each neighbour's <see cref="LoadOptions.NeighbourEvery"/> apart, until each has made
    /// <paramref name="count"/> or <paramref name="stop"/> ends them (a change being sent is finished); each change's time from
    /// just before its <c>PUT</c> to its guest's update applied, null where that never came.
    /// </summary>
    async Task<List<NeighbourChange>> NeighbourChangesAsync(int count, double since, CancellationToken stop, List<string> failures,
        CancellationToken cancellationToken)
    {
        var all = await Task.WhenAll(_neighbours.Select(async neighbour =>
        {
            using var ticks = new PeriodicTimer(options.NeighbourEvery);
            var landings = new List<Task<NeighbourChange>>();
            for (var k = 0; k < count && !stop.IsCancellationRequested; k++)
            {
                if (k > 0 && !await TickAsync(ticks, stop)) break;
                var (version, sent) = await ChangeAsync(neighbour, NeighbourLayout.ConfigOfChange(neighbour.Changes++), failures, cancellationToken);
                landings.Add(TimedAsync(neighbour.Name, sent - since, AppliedAfterAsync(neighbour, version, sent, failures, cancellationToken)));
            }
            return await Task.WhenAll(landings);
        }));
        return all.SelectMany(times => times).ToList();
    }

    static async Task<NeighbourChange> TimedAsync(string host, double madeAt, Task<double?> applied) => new(host, await applied, madeAt);

    /// <summary>Waits for the next tick; false once <paramref name="stop"/> has ended the changes.</summary>
    static async Task<bool> TickAsync(PeriodicTimer ticks, CancellationToken stop)
    {
        try
        {
            return await ticks.WaitForNextTickAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// A neighbour's configuration change through its ApBus instance, the model's scan beside it; returns the version its guest
    /// must reach and the run's clock just before the <c>PUT</c> was sent.
    /// </summary>
    async Task<(long Version, double Sent)> ChangeAsync(RunHost neighbour, ApConfig config, List<string> failures, CancellationToken cancellationToken)
    {
        var events = neighbour.Expected.Scan(config);
        var version = neighbour.Expected.VersionOf(NeighbourLayout.Guest);
        var sent = clock.Elapsed.TotalMilliseconds;
        var answer = await _clients.ApBusOf(neighbour.Index).SendAsync(HttpMethod.Put, $"{ServiceClients.HostPath(neighbour.Name)}/config",
            ConfigBody(config), cancellationToken);
        var published = answer.GetProperty("lastSequence").GetInt64();
        if (published - neighbour.LastSequence != events)
            lock (failures) failures.Add($"neighbour {neighbour.Name}, change {neighbour.Changes}: ApBus published {published - neighbour.LastSequence} " +
                                         $"event messages, the model {events}");
        neighbour.LastSequence = published;
        return (version, sent);
    }

    /// <summary>
    /// Milliseconds from <paramref name="sent"/> to the first acknowledgement of the neighbour's guest at or after
    /// <paramref name="version"/> at the timing queue; a failure and null when none came within <see cref="_stall"/>.
    /// </summary>
    async Task<double?> AppliedAfterAsync(RunHost neighbour, long version, double sent, List<string> failures, CancellationToken cancellationToken)
    {
        try
        {
            return await observers.Times.FirstAppliedAsync(neighbour.Name, NeighbourLayout.Guest, version).WaitAsync(_stall, cancellationToken) - sent;
        }
        catch (TimeoutException)
        {
            lock (failures) failures.Add($"neighbour {neighbour.Name}: its guest's version {version} not applied {_stall.TotalSeconds:F0} s after the change");
            return null;
        }
    }

    static object ConfigBody(ApConfig config) => new { apm = config.Apm.ToRangeList(), aqm = config.Aqm.ToRangeList(), adm = config.Adm.ToRangeList() };

    /// <summary>
    /// One scan on every host at once, the neighbours changing beside it from its start until its last guest is applied;
    /// returns its phases, each updated guest's ScanComplete-to-applied time (ms) and each neighbour change's time.
    /// </summary>
    async Task<(ScanPhases, List<double>, List<NeighbourChange>)> ScanAsync(IReadOnlyList<RunHost> hosts, int scan, ApConfig config,
        List<string> failures, CancellationToken cancellationToken)
    {
        var expected = hosts.Select(h =>
        {
            var versions = h.Expected.Guests.ToDictionary(g => g.Name, g => g.Version);
            var events = h.Expected.Scan(config);
            var updated = h.Expected.Guests.Where(g => g.Version != versions[g.Name]).ToDictionary(g => g.Name, g => g.Version);
            return (Events: events, Updates: h.Expected.Guests.Sum(g => g.Version - versions[g.Name]), Updated: updated);
        }).ToList();
        var body = ConfigBody(config);

        var start = clock.Elapsed.TotalMilliseconds;
        var cpuAtStart = MachineCpu.BusySeconds();
        var partsAtStart = ProcessCpu.Sample(stack);
        using var stopWatching = new CancellationTokenSource();
        var watching = backlog?.WatchAsync(clock, start, stopWatching.Token);
        var redeliveredBefore = _faults is null ? null : await servers!.RedeliveredAsync(cancellationToken);
        var answeredAll = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var unanswered = hosts.Count;
        var faulting = options.Fault is { } fault && scan < options.FaultScans
            ? _faults!.InjectAsync(fault, scan, answeredAll.Task, () => clock.Elapsed.TotalMilliseconds, cancellationToken)
            : Task.FromResult<FaultWindow?>(null)!;
        var poisoning = options.Poison > 0 ? PoisonAsync(hosts, scan, cancellationToken) : Task.CompletedTask;
        using var scanning = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var neighbours = NeighbourChangesAsync(int.MaxValue, start, scanning.Token, failures, cancellationToken);
        await using var vfioApplied = new AppliedWatch(ct => _clients.VfioApLastSequencesAsync(hosts.Select(h => h.Name).ToList(), ct), ScanPoll);
        var scanned = Task.WhenAll(hosts.Select(async (host, i) =>
        {
            JsonElement answer;
            try
            {
                answer = await _clients.ApBusOf(host.Index).SendAsync(HttpMethod.Put, $"{ServiceClients.HostPath(host.Name)}/config", body, cancellationToken);
            }
            finally
            {
                if (Interlocked.Decrement(ref unanswered) == 0) answeredAll.TrySetResult();
            }
            var answered = clock.Elapsed.TotalMilliseconds;
            var published = answer.GetProperty("lastSequence").GetInt64();
            if (published - host.LastSequence != expected[i].Events)
                lock (failures) failures.Add($"host {host.Name}, scan {scan + 1}: ApBus published {published - host.LastSequence} event messages, " +
                                             $"the model {expected[i].Events} ({BusEventForms.Name(host.Form)})");
            host.LastSequence = published;
            var where = $"host {host.Name}, scan {scan + 1}";
            await ProgressAsync(() => Task.FromResult(vfioApplied.Of(host.Name)), published,
                where, "VfioAp's last applied sequence", failures, cancellationToken, InMemoryPoll);
            var applied = clock.Elapsed.TotalMilliseconds;
            var times = observers.Times;
            await ProgressAsync(() => Task.FromResult((times.ScanCompleteAt(host.Name, published) is null ? 0L : 1L) +
                    expected[i].Updated.Sum(g => Math.Min(g.Value, times.HighestApplied(host.Name, g.Key)))),
                expected[i].Updated.Sum(g => g.Value) + 1, where, "ScanComplete and the guests' versions applied, at the timing queue",
                failures, cancellationToken, InMemoryPoll);
            var scanComplete = times.ScanCompleteAt(host.Name, published) ?? double.NaN;
            var guestsApplied = expected[i].Updated.Select(g => times.AppliedAt(host.Name, g.Key, g.Value)).OfType<double>().ToList();
            return (Answered: answered, Applied: applied, ScanComplete: scanComplete,
                Last: guestsApplied.Count == 0 ? applied : Math.Max(applied, guestsApplied.Max()),
                Lateness: double.IsNaN(scanComplete) ? [] : guestsApplied.Select(t => t - scanComplete).ToList());
        }));
        try
        {
            await scanned;
        }
        finally
        {
            // The neighbours stop with the scan, also when it fails.
            await scanning.CancelAsync();
        }
        var timings = await scanned;
        // Here, not with the phases below: a fault's recovery before the next scan is not the scan's CPU.
        var cpu = MachineCpu.BusySeconds() - cpuAtStart;
        var cpuByPart = ProcessCpu.Spent(partsAtStart, ProcessCpu.Sample(stack));
        var besideIt = await neighbours;
        await poisoning;
        if (await faulting is { } window)
        {
            var redelivered = await servers!.RedeliveredAsync(cancellationToken) is { } after && redeliveredBefore is { } before
                ? $"{(after >= before ? after - before : after):N0}" : "?";
            var recovered = (timings.Max(t => t.Last) - window.EndMs) / 1000;
            var note = $"{window.What}, whole again after {(window.EndMs - window.StartMs) / 1000:F1} s; " +
                       (recovered < 0 ? "the scan had ended before that" : $"the scan's last guest applied {recovered:F1} s after that") +
                       $"; {redelivered} messages redelivered";
            lock (_notes) _notes.Add(note);
            log.WriteLine($"  fault: {note}");
            if (scan + 1 < Math.Min(options.Scans, options.FaultScans)) await _faults!.BeforeNextScanAsync(cancellationToken);
        }
        stopWatching.Cancel();
        var phases = new ScanPhases(scan + 1, config.Apm.IsEmpty ? "to empty" : "from empty to full",
            expected.Sum(e => e.Events), expected.Sum(e => e.Updates), expected.Sum(e => ExpectedHost.GuestMessages(e.Updates)),
            timings.Max(t => t.Answered) - start, timings.Max(t => t.Applied) - start,
            timings.Max(t => t.ScanComplete) - start, timings.Max(t => t.Last) - start, watching is null ? null : await watching, cpu, cpuByPart);
        return (phases, timings.SelectMany(t => t.Lateness).ToList(), besideIt);
    }

    /// <summary>
    /// <see cref="LoadOptions.Poison"/> bus events VfioAp cannot read (no APQN), in the hosts' form, sent straight to one
    /// of its lanes <see cref="LoadOptions.FaultAfter"/> into the scan, among the scan's own events.
    /// </summary>
    async Task PoisonAsync(IReadOnlyList<RunHost> hosts, int scan, CancellationToken cancellationToken)
    {
        await Task.Delay(options.FaultAfter, cancellationToken);
        var form = hosts[0].Form;
        var queue = stack.QueuePrefix + EventQueues.Poisoned;
        var sequences = Enumerable.Range(0, options.Poison).Select(k => (Host: hosts[k % hosts.Count].Name, Sequence: PoisonSequence + (long)scan * options.Poison + k));
        if (form == BusEventForm.Grouped)
            await observers.SendAsync(queue, sequences.Select(p =>
                new QueuesProbed(p.Host, p.Sequence, null, [new ProbedRun(NotAnApqn, NotAnApqn, BoundDriver.VfioAp)])), cancellationToken);
        else
            await observers.SendAsync(queue, sequences.Select(p => new QueueProbed(p.Host, p.Sequence, null, NotAnApqn, BoundDriver.VfioAp)), cancellationToken);
        lock (_notes) _notes.Add($"{options.Poison} malformed {(form == BusEventForm.Grouped ? nameof(QueuesProbed) : nameof(QueueProbed))} sent to VfioAp's " +
                                 $"queue {queue} {options.FaultAfter.TotalMilliseconds:F0} ms into scan {scan + 1}");
    }

    const string NotAnApqn = "not-an-apqn";

    // Far beyond any real sequence: if one were ever applied, the host would wait at a gap and the run would fail.
    const long PoisonSequence = 1L << 40;

    readonly List<string> _notes = [];

    /// <summary>The faults and poison injected, when, and what they cost.</summary>
    public IReadOnlyList<string> Faults
    {
        get
        {
            lock (_notes) return [.. _notes];
        }
    }

    /// <summary>
    /// The final state, every way it can be read: ApBus's and VfioAp's last sequence, VfioAp's versions all
    /// acknowledged, and GuestVm's APCB, version and applied-update count per guest equal to the engine's.
    /// </summary>
    async Task<Dictionary<(string, string), GuestVmGuest>> VerifyAsync(IReadOnlyList<RunHost> hosts,
        List<string> failures, CancellationToken cancellationToken)
    {
        // Acknowledgements trail the ApcbsApplied the timing queue saw: VfioAp consumes them from a queue of its own.
        await Task.WhenAll(hosts.Select(host => ProgressAsync(
            async () => (await _clients.VfioApGuestsAsync(host.Name, cancellationToken)).Sum(g => Math.Min(g.Value.Acknowledged, host.Expected.VersionOf(g.Key))),
            host.Expected.Guests.Sum(g => g.Version), $"host {host.Name}", "VfioAp's acknowledged versions", failures, cancellationToken)));
        var all = new Dictionary<(string, string), GuestVmGuest>();
        foreach (var host in hosts)
        {
            var expectedSequence = host.BaseSequence + host.Expected.Events;
            var busSequence = (await _clients.ApBusOf(host.Index).GetAsync(ServiceClients.HostPath(host.Name), cancellationToken)).GetProperty("lastSequence").GetInt64();
            var vfioSequence = await _clients.VfioApLastSequenceAsync(host.Name, cancellationToken);
            if (busSequence != expectedSequence || vfioSequence != expectedSequence)
                failures.Add($"host {host.Name}: last sequence ApBus {busSequence}, VfioAp {vfioSequence}, model {expectedSequence}");

            var sent = await _clients.VfioApGuestsAsync(host.Name, cancellationToken);
            foreach (var guest in host.Expected.Guests)
            {
                var (version, acknowledged) = sent.GetValueOrDefault(guest.Name);
                if (version != guest.Version || acknowledged != guest.Version)
                    failures.Add($"host {host.Name}, guest {guest.Name}: VfioAp version {version}, acknowledged {acknowledged}, model {guest.Version}");
            }

            var held = await _clients.GuestVmGuestsAsync(host.Name, cancellationToken);
            foreach (var guest in host.Expected.Guests)
            {
                if (!held.TryGetValue(guest.Name, out var state))
                {
                    failures.Add($"host {host.Name}, guest {guest.Name}: unknown to GuestVm");
                    continue;
                }
                if (state.Apcb != guest.Apcb)
                    failures.Add($"host {host.Name}, guest {guest.Name}: GuestVm holds APCB {state.Apcb}, the engine computes {guest.Apcb}");
                if (state.Version != guest.Version || state.Updates != guest.Version)
                    failures.Add($"host {host.Name}, guest {guest.Name}: GuestVm version {state.Version} after {state.Updates} updates, " +
                                 $"the engine sent {guest.Version} (each once)");
                all[(host.Name, guest.Name)] = state;
            }
            foreach (var extra in held.Keys.Where(g => host.Expected.Guests.All(e => e.Name != g)))
                failures.Add($"host {host.Name}: GuestVm has a guest {extra} the engine never updated");
        }
        return all;
    }

    async Task<Dictionary<(string, string), GuestVmGuest>> GuestVmStatesAsync(IReadOnlyList<RunHost> hosts,
        CancellationToken cancellationToken)
    {
        var all = new Dictionary<(string, string), GuestVmGuest>();
        foreach (var host in hosts)
            foreach (var (guest, state) in await _clients.GuestVmGuestsAsync(host.Name, cancellationToken))
                all[(host.Name, guest)] = state;
        return all;
    }

    /// <summary>
    /// Polls until <paramref name="progress"/> reaches <paramref name="target"/>; a failure when it stands still for
    /// <see cref="_stall"/>, so one lost message is reported as such instead of running into the overall timeout. Read every
    /// <paramref name="every"/>, <see cref="_poll"/> unless given.
    /// </summary>
    async Task ProgressAsync(Func<Task<long>> progress, long target, string where, string what, List<string> failures,
        CancellationToken cancellationToken, TimeSpan? every = null)
    {
        var (last, since) = (long.MinValue, Stopwatch.StartNew());
        for (var value = await ReadAsync(progress, last); value < target; value = await ReadAsync(progress, last))
        {
            if (value != last) (last, since) = (value, Stopwatch.StartNew());
            else if (since.Elapsed > _stall)
            {
                lock (failures) failures.Add($"{where}: {what} stood at {value} of {target} for {_stall.TotalSeconds:F0} s");
                return;
            }
            if (clock.Elapsed > _deadline)
            {
                lock (failures) failures.Add($"{where}: {what} at {value} of {target} when the run's time ran out");
                return;
            }
            stack.EnsureRunning();
            await Task.Delay(every ?? _poll, cancellationToken);
        }
    }

    /// <summary>The progress, or <paramref name="last"/> while the instance asked is unreachable (killed on purpose, restarting).</summary>
    static async Task<long> ReadAsync(Func<Task<long>> progress, long last)
    {
        try
        {
            return await progress();
        }
        catch (HttpRequestException)
        {
            return last;
        }
    }

    /// <summary>Polls until true; the run's overall timeout bounds it, and a dead instance ends it at once.</summary>
    async Task UntilAsync(Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        while (!await condition())
        {
            stack.EnsureRunning();
            await Task.Delay(_poll, cancellationToken);
        }
    }

    public void Dispose() => _clients.Dispose();

    /// <summary>A host of the run, laid out as <paramref name="layout"/> says (the run's options, or a neighbour's).</summary>
    sealed class RunHost(int index, string name, BusEventForm form, HotPlugMode mode, LoadOptions layout)
    {
        long _calls;

        /// <summary>The host's place among the run's hosts, which chooses its ApBus instance.</summary>
        public int Index { get; } = index;
        public string Name { get; } = name;
        public BusEventForm Form { get; } = form;
        public HotPlugMode Mode { get; } = mode;
        public LoadOptions Layout { get; } = layout;
        public ExpectedHost Expected { get; } = new(layout, mode, form);
        /// <summary>A neighbour's timed changes so far: the next adds adapter 4 when even.</summary>
        public int Changes { get; set; }
        public long Calls => Interlocked.Read(ref _calls);
        /// <summary>The sequence ApBus answered last.</summary>
        public long LastSequence { get; set; }
        /// <summary>The sequence after set-up, where the model's count of events starts.</summary>
        public long BaseSequence { get; set; }

        /// <summary>A set-up call, counted.</summary>
        public async Task<JsonElement> CallAsync(StackClient client, HttpMethod method, string path, object body, CancellationToken cancellationToken)
        {
            var answer = await client.SendAsync(method, path, body, cancellationToken);
            Interlocked.Increment(ref _calls);
            return answer;
        }
    }
}
