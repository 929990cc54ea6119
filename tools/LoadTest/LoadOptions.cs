using Apmatrix.Contracts;
using System.Globalization;
using System.Text.Json.Serialization;
using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.LoadTest;

/// <summary>
/// What one load run does: the hosts and their layout (mdev i holds every adapter and the domains d with
/// d mod guests = i, attached to guest i), the scans, the bus events' forms, the hot-plug modes, the fan-out of the stack, and the
/// small neighbour hosts whose changes are timed beside the big hosts' scans.
/// </summary>
public sealed record LoadOptions
{
    public string Name { get; init; } = "load";

    public const int MaxNameLength = 38;
    public int Hosts { get; init; } = 1;
    public int Adapters { get; init; } = 8;
    public int Domains { get; init; } = 8;
    public int Guests { get; init; } = 8;
    public int Vcpus { get; init; } = 4;
    public int Scans { get; init; } = 1;
    public IReadOnlyList<HotPlugMode> Modes { get; init; } = [HotPlugMode.Batched];
    /// <summary>How ApBus sends the bus events of the run's hosts; each form runs every mode on hosts of its own.</summary>
    public IReadOnlyList<BusEventForm> Forms { get; init; } = [BusEventForm.Grouped];
    /// <summary>
    /// The services' telemetry (false off, true on), each on instances, a virtual host and databases of its own, one after
    /// the other, every form and mode in each; the ceiling is measured once, before the first. Off and on in
    /// <see cref="TelemetryRounds"/> rounds alternate ABBA: off, on; on, off; off, on; ...
    /// </summary>
    public IReadOnlyList<bool> Telemetry { get; init; } = [false];
    /// <summary>Rounds of telemetry off and on, with <c>--telemetry both</c>; more than one lets a drift over the run cancel.</summary>
    public int TelemetryRounds { get; init; } = 1;
    public int ApBusInstances { get; init; } = 1;
    public int VfioApInstances { get; init; } = 1;
    public int GuestVmInstances { get; init; } = 1;
    public int Subscribers { get; init; }
    /// <summary>Small hosts (<see cref="NeighbourLayout"/>) whose configuration changes are timed, idle and beside the timed scans.</summary>
    public int Neighbours { get; init; }
    /// <summary>How often each neighbour changes its configuration.</summary>
    public TimeSpan NeighbourEvery { get; init; } = TimeSpan.FromMilliseconds(200);
    /// <summary>Changes each neighbour makes, <see cref="NeighbourEvery"/> apart, with nothing else running (before each mode's scans).</summary>
    public int NeighbourIdleChanges { get; init; } = 10;
    /// <summary>Concurrent HTTP calls while setting up mdevs and guests (not part of the timed phase).</summary>
    public int SetUpConcurrency { get; init; } = 16;
    /// <summary>The cluster's nodes (host:port); set, the stack, the ceiling and the run's queues use it with quorum queues.</summary>
    public IReadOnlyList<string> Nodes { get; init; } = [];
    /// <summary>A fault injected <see cref="FaultAfter"/> into the first <see cref="FaultScans"/> timed scans; the state must still end exact.</summary>
    public LoadFault? Fault { get; init; }
    public int FaultScans { get; init; } = int.MaxValue;
    public TimeSpan FaultAfter { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How long a stopped server stays down.</summary>
    public TimeSpan FaultFor { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>
    /// Malformed bus events, in the run's form, sent straight to one of VfioAp's lanes in every timed scan;
    /// exactly these must reach its <c>_error</c>.
    /// </summary>
    public int Poison { get; init; }
    public bool MeasureCeiling { get; init; } = true;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
    public string ReportDirectory { get; init; } = "reports";

    public const int MaxId = Bitmap256.Capacity - 1;

    /// <summary>Scan k (from 0) takes the host from empty to full and back: full on even k, empty on odd.</summary>
    public ApConfig ConfigOfScan(int scan) => scan % 2 == 0 ? Full : Empty;

    [JsonIgnore]
    public ApConfig Full => new(Bitmap256.UpTo(Adapters - 1), Bitmap256.UpTo(Domains - 1), Bitmap256.Empty, MaxId, MaxId);
    public static ApConfig Empty => new(Bitmap256.Empty, Bitmap256.Empty, Bitmap256.Empty, MaxId, MaxId);

    /// <summary>Mdev i: every adapter, the domains d with d mod guests = i, no control domain.</summary>
    public ApMatrix MatrixOf(int mdev)
    {
        var domains = Bitmap256.Empty;
        for (var d = mdev; d < Domains; d += Guests) domains = domains.With(d);
        return new ApMatrix(Bitmap256.UpTo(Adapters - 1), domains, Bitmap256.Empty);
    }

    public static string MdevName(int mdev) => $"m{mdev}";
    public static string GuestName(int mdev) => $"g{mdev}";

    /// <summary>Reads <c>--name value</c> pairs; unknown or malformed options throw <see cref="ArgumentException"/>.</summary>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i += 2)
        {
            var name = args[i];
            if (i + 1 >= args.Count) throw new ArgumentException($"{name} needs a value");
            var value = args[i + 1];
            options = name switch
            {
                "--name" => options with { Name = value },
                "--hosts" => options with { Hosts = Count(name, value, 1, 1000) },
                "--adapters" => options with { Adapters = Count(name, value, 1, Bitmap256.Capacity) },
                "--domains" => options with { Domains = Count(name, value, 1, Bitmap256.Capacity) },
                "--guests" => options with { Guests = Count(name, value, 1, Bitmap256.Capacity) },
                "--vcpus" => options with { Vcpus = Count(name, value, 1, 248) },
                "--scans" => options with { Scans = Count(name, value, 1, 100) },
                "--mode" => options with { Modes = ParseModes(value) },
                "--form" => options with { Forms = ParseForms(value) },
                "--telemetry" => options with { Telemetry = value switch
                {
                    "off" => [false],
                    "on" => [true],
                    "both" => [false, true],
                    _ => throw new ArgumentException("--telemetry is off, on or both"),
                } },
                "--telemetry-rounds" => options with { TelemetryRounds = Count(name, value, 1, 5) },
                "--apbus" => options with { ApBusInstances = Count(name, value, 1, 16) },
                "--vfioap" => options with { VfioApInstances = Count(name, value, 1, 16) },
                "--guestvm" => options with { GuestVmInstances = Count(name, value, 1, 16) },
                "--subscribers" => options with { Subscribers = Count(name, value, 0, 16) },
                "--neighbours" => options with { Neighbours = Count(name, value, 0, 64) },
                "--neighbour-every" => options with { NeighbourEvery = TimeSpan.FromMilliseconds(Count(name, value, 10, 10_000)) },
                "--neighbour-idle-changes" => options with { NeighbourIdleChanges = Count(name, value, 1, 10_000) },
                "--set-up-concurrency" => options with { SetUpConcurrency = Count(name, value, 1, 256) },
                "--nodes" => options with { Nodes = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) },
                "--fault" => options with { Fault = LoadFaults.Parse(value) },
                "--fault-after" => options with { FaultAfter = TimeSpan.FromMilliseconds(Count(name, value, 0, 600_000)) },
                "--fault-scans" => options with { FaultScans = Count(name, value, 1, 100) },
                "--fault-for" => options with { FaultFor = TimeSpan.FromMilliseconds(Count(name, value, 0, 600_000)) },
                "--poison" => options with { Poison = Count(name, value, 0, 100_000) },
                "--ceiling" => options with { MeasureCeiling = value switch
                {
                    "on" => true,
                    "off" => false,
                    _ => throw new ArgumentException("--ceiling is on or off"),
                } },
                "--timeout" => options with { Timeout = TimeSpan.FromSeconds(Count(name, value, 10, 3600)) },
                "--reports" => options with { ReportDirectory = value },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }
        if (options.Fault is { } fault && LoadFaults.OnCluster(fault) && options.Nodes.Count < 3)
            throw new ArgumentException($"--fault {LoadFaults.Name(fault)} needs --nodes with 3 or more nodes: the quorum must outlive the lost one");
        if (options.Fault is LoadFault.BrokerRestart && options.Nodes.Count > 0)
            throw new ArgumentException("--fault broker-restart is for the single node; on a cluster: cluster-node-kill or cluster-leader-restart");
        if (options.TelemetryRounds > 1)
            options = options.Telemetry is [false, true]
                ? options with { Telemetry = TelemetryInRounds(options.TelemetryRounds) }
                : throw new ArgumentException("--telemetry-rounds above 1 needs --telemetry both: a round is telemetry off and on");
        if (options.Guests > options.Domains) throw new ArgumentException("--guests may not exceed --domains: each mdev needs a domain of its own");
        // The hosts are named by LoadRun.HostName: within the one name rule's 64 characters.
        if (options.Name.Length is 0 or > MaxNameLength || options.Name[0] == '-' || options.Name.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-'))
            throw new ArgumentException($"--name takes 1 to {MaxNameLength} letters, digits and '-', not starting with '-' (it names the report files and the hosts)");
        return options;
    }

    /// <summary>A mode's exact API name, or both; <see cref="HotPlugModes.TryParse"/> alone would also take "perqueue" or " batched".</summary>
    static IReadOnlyList<HotPlugMode> ParseModes(string value) =>
        value == "both" ? [HotPlugMode.Batched, HotPlugMode.PerQueue]
        : HotPlugModes.TryParse(value, out var mode) && HotPlugModes.Name(mode) == value ? [mode]
        : throw new ArgumentException($"--mode is {string.Join(", ", Enum.GetValues<HotPlugMode>().Select(HotPlugModes.Name))} or both");

    /// <summary>ABBA: off, on; on, off; ... so a drift over the run weighs on off and on alike.</summary>
    static IReadOnlyList<bool> TelemetryInRounds(int rounds) =>
        [.. Enumerable.Range(0, rounds).SelectMany(round => round % 2 == 0 ? new[] { false, true } : [true, false])];

    static IReadOnlyList<BusEventForm> ParseForms(string value) =>
        value == "both" ? [BusEventForm.Grouped, BusEventForm.PerQueue]
        : BusEventForms.TryParse(value, out var form) ? [form]
        : throw new ArgumentException($"--form is {string.Join(", ", Enum.GetValues<BusEventForm>().Select(BusEventForms.Name))} or both");

    static int Count(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} takes a whole number from {min} to {max}, not '{value}'");

    public const string Usage = """
        usage: Apmatrix.LoadTest [options]      (talks to 127.0.0.1 only; reads APMATRIX_RABBITMQ[_<SERVICE>], APMATRIX_POSTGRES[_<SERVICE>])
          --name NAME               report name: reports/load-NAME.{md,json,svg}; 1-38 of
                                    letters, digits and '-'                             (load)
          --hosts N                 hosts, driven concurrently                          (1)
          --adapters N --domains N  each full scan configures adapters 0..N-1 x domains (8 x 8)
          --guests N                mdevs and guests per host; mdev i holds every adapter
                                    and the domains d with d mod N = i                  (8)
          --vcpus N                 vCPUs per guest                                     (4)
          --scans N                 timed scans per host: empty->full, full->empty, ... (1)
          --mode batched|per-queue|both                                                 (batched)
          --form grouped|per-queue|both
                                    how ApBus sends each host's bus events: a scan's probes
                                    or removals as one message of APQN runs, or one
                                    message per queue; both: every mode in each         (grouped)
          --telemetry off|on|both   the services' OpenTelemetry: off, no exporter; on, OTLP
                                    (http/protobuf) to a sink in this tool at the default
                                    sampling, metrics exported every 5 s; both: off, then
                                    on, each on instances, virtual host and databases of
                                    its own, against the same ceiling                   (off)
          --telemetry-rounds N      with both: N rounds of off and on in ABBA order (off,
                                    on; on, off; off, on; ...), 1-5, judged by the means
                                    of each setting: a drift over the run cancels       (1)
          --apbus N --vfioap N --guestvm N
                                    service instances, one database per service; VfioAp's
                                    and GuestVm's compete for their queues; host i calls
                                    ApBus instance i mod N                              (1, 1, 1)
          --subscribers N           extra queues bound to ApBus's exchanges, each checking
                                    every host's sequence                               (0)
          --neighbours N            small hosts (4 x 4, one guest holding adapters 0-4 x
                                    domains 0-3) that add and remove adapter 4 in turn,
                                    each change timed from its PUT to its guest's update
                                    applied: some changes each idle (below), then beside
                                    every timed scan; batched, grouped events       (0)
          --neighbour-every MS      time between one neighbour's changes, 10-10000  (200)
          --neighbour-idle-changes N
                                    changes each neighbour makes idle, 1-10000          (10)
          --set-up-concurrency N    concurrent HTTP calls while setting up              (16)
          --nodes H:P,H:P,...       run on the RabbitMQ cluster of scripts/servers.sh cluster-up
                                    (reads APMATRIX_RABBITMQ_CLUSTER_DIR), quorum queues (off)
          --fault KIND              inject a fault into every timed scan; the state must still
                                    end exact, with no action by hand. KIND:           (none)
                                    broker-restart          stop_app, wait, start_app (single node)
                                    postgres-restart        pg_ctlcluster restart
                                    postgres-outage         PostgreSQL stopped, started again
                                    kill:apbus|kill:vfioap|kill:guestvm
                                                            SIGKILL (the last instance), start again
                                    cluster-node-kill       SIGKILL the node most connections are
                                                            on; started again after the scan
                                    cluster-leader-restart  stop_app the node leading most quorum
                                                            queues, wait, start_app
                                    purge-events            purge VfioAp's bus-event lanes
                                                            (bus-events-N): the lost events
                                                            heal by reconciliation
          --fault-after MS          when the fault comes, from the scan's start         (1000)
          --fault-scans N           only the first N timed scans get the fault          (all)
          --fault-for MS            how long a stopped server stays down                (5000)
          --poison N                malformed events sent to VfioAp's queue of probes (of
                                    the run's form) in each timed scan; exactly N x scans
                                    per mode must reach that queue's _error             (0)
          --ceiling on|off          measure the MassTransit ceiling first               (on)
          --timeout SECONDS         hard limit for the whole run                        (600)
          --reports DIR                                                                 (reports)
        exit: 0 final state exact, 1 differs or the run failed, 2 bad arguments
        """;
}
