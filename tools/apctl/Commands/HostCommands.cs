using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Apmatrix.Apctl.Cli;
using Apmatrix.ApModel;

namespace Apmatrix.Apctl.Commands;

/// <summary><c>apctl host</c>: the hosts' AP buses (ApBus) and what vfio_ap has applied of them (VfioAp).</summary>
public static class HostCommands
{
    public static readonly Argument<string> Host = new Argument<string>("host") { Description = "the host's name" }.Named("host");

    public static Command Build(Io io)
    {
        var command = new Command("host", "define, list and change hosts");
        command.Subcommands.Add(List(io));
        command.Subcommands.Add(Show(io));
        command.Subcommands.Add(Define(io));
        command.Subcommands.Add(Config(io));
        command.Subcommands.Add(Masks(io));
        return command;
    }

    static Command List(Io io) => new Command("list", "every host: its bus's last event, how many vfio_ap has applied, its mdevs and parked events").Does(io,
        async (_, session, ct) =>
        {
            var bus = (await AllPagesAsync(session.ApBus, ApiRoutes.ListBuses, ct)).ToDictionary(h => h["host"]!.GetValue<string>());
            var vfioAp = (await AllPagesAsync(session.VfioAp, ApiRoutes.ListHosts, ct)).ToDictionary(h => h["host"]!.GetValue<string>());
            var hosts = new JsonArray();
            foreach (var name in bus.Keys.Union(vfioAp.Keys).Order(StringComparer.Ordinal))
            {
                var onBus = bus.GetValueOrDefault(name);
                var applied = vfioAp.GetValueOrDefault(name);
                long? sent = onBus?["lastSequence"]?.GetValue<long>(), done = applied?["lastSequence"]?.GetValue<long>();
                hosts.Add(new JsonObject
                {
                    ["host"] = name, ["eventForm"] = onBus?["eventForm"]?.DeepClone(), ["mode"] = applied?["mode"]?.DeepClone(),
                    ["busSequence"] = sent, ["appliedSequence"] = done, ["behind"] = sent - (done ?? 0),
                    ["queueDevices"] = onBus?["queueDevices"]?.DeepClone(), ["mdevs"] = applied?["mdevs"]?.DeepClone(),
                    ["parkedEvents"] = applied?["pendingEvents"]?.DeepClone(),
                    ["unacknowledgedUpdates"] = applied?["unacknowledgedUpdates"]?.DeepClone(),
                });
            }
            session.Write(hosts, output => Table.Write(output, ["HOST", "FORM", "MODE", "QUEUES", "BUS-SEQ", "APPLIED", "BEHIND", "MDEVS", "PARKED", "UNACKED"],
                hosts.Select(h => new[]
                {
                    Text(h!["host"]), Text(h["eventForm"]), Text(h["mode"]), Text(h["queueDevices"]), Text(h["busSequence"]),
                    Text(h["appliedSequence"]), Text(h["behind"]), Text(h["mdevs"]), Text(h["parkedEvents"]), Text(h["unacknowledgedUpdates"]),
                })));
        });

    /// <summary>Every host a service knows, page by page.</summary>
    static async Task<List<JsonNode>> AllPagesAsync(ServiceClient service, ApiRoute route, CancellationToken ct)
    {
        var hosts = new List<JsonNode>();
        const int pageSize = 1000;
        while (true)
        {
            var after = hosts.Count == 0 ? "" : $"&after={Uri.EscapeDataString(hosts[^1]["host"]!.GetValue<string>())}";
            var page = (await service.CallAsync(route, [], ct, query: $"?limit={pageSize}{after}"))!.AsArray();
            hosts.AddRange(page.Select(h => h!));
            if (page.Count < pageSize) return hosts;
        }
    }

    static Command Show(Io io)
    {
        var command = new Command("show", "one host: its AP configuration, masks and queue devices, and vfio_ap's state of it") { Host };
        return command.Does(io, async (parse, session, ct) =>
        {
            var host = parse.GetValue(Host)!;
            var bus = await session.ApBus.CallAsync(ApiRoutes.GetBus, [host], ct);
            var vfioAp = await session.VfioAp.CallAsync(ApiRoutes.GetHost, [host], ct);
            session.Write(new JsonObject { ["apBus"] = bus, ["vfioAp"] = vfioAp }, output =>
            {
                output.WriteLine($"host {host}: events {Text(bus!["eventForm"])}, hot plug {Text(vfioAp!["mode"])}");
                output.WriteLine($"  configuration  apm {Text(bus["config"]!["apm"])}  aqm {Text(bus["config"]!["aqm"])}  adm {Text(bus["config"]!["adm"])}");
                output.WriteLine($"  bus masks      apmask {Text(bus["masks"]!["apmask"])}  aqmask {Text(bus["masks"]!["aqmask"])}");
                output.WriteLine($"  queue devices  {Text(bus["queueDevices"])} ({Text(vfioAp["boundQueues"])} bound to vfio_ap)");
                output.WriteLine($"  bus events     {Text(bus["lastSequence"])} sent, {Text(vfioAp["lastSequence"])} applied, {Text(vfioAp["pendingEvents"])} parked");
                output.WriteLine($"  mdevs          {Text(string.Join(" ", vfioAp["mdevs"]!.AsArray().Select(Text)))}");
            });
        });
    }

    static Command Define(Io io)
    {
        var apm = new Option<string>("--apm") { Description = "adapters in the configuration", DefaultValueFactory = _ => "" }.IdSet();
        var aqm = new Option<string>("--aqm") { Description = "usage domains in the configuration", DefaultValueFactory = _ => "" }.IdSet();
        var adm = new Option<string>("--adm") { Description = "control domains in the configuration", DefaultValueFactory = _ => "" }.IdSet();
        var maxAdapter = new Option<int?>("--max-adapter") { Description = "the host's highest adapter id (255 when absent)" }.Within(0, 255);
        var maxDomain = new Option<int?>("--max-domain") { Description = "the host's highest domain id (255 when absent)" }.Within(0, 255);
        var apmask = new Option<string?>("--apmask") { Description = "adapters the host's default drivers keep (with --aqmask)" }.IdSet();
        var aqmask = new Option<string?>("--aqmask") { Description = "domains the host's default drivers keep (with --apmask)" }.IdSet();
        var form = new Option<string>("--event-form") { Description = "how its bus events leave", DefaultValueFactory = _ => "grouped" }
            .AcceptOnlyFromAmong("grouped", "per-queue");
        var mode = new Option<string>("--mode") { Description = "how vfio_ap hot plugs its queues", DefaultValueFactory = _ => "batched" }
            .AcceptOnlyFromAmong("batched", "per-queue");
        var command = new Command("define", "defines a host: vfio_ap's hot-plug mode first, then its AP bus, which scans the configuration")
        {
            Host, apm, aqm, adm, maxAdapter, maxDomain, apmask, aqmask, form, mode,
        };
        return command.Does(io, async (parse, session, ct) =>
        {
            var host = parse.GetValue(Host)!;
            // ApBus refuses a configuration above the maxima, after VfioAp has the host: so it is refused here, before either.
            var config = new ApConfig(Bitmap256.Parse(parse.GetValue(apm)!), Bitmap256.Parse(parse.GetValue(aqm)!), Bitmap256.Parse(parse.GetValue(adm)!),
                parse.GetValue(maxAdapter) ?? 255, parse.GetValue(maxDomain) ?? 255);
            if (config.AboveMaximaText("--") is { } above) throw new ApctlException(ExitCodes.BadInput, above);
            var requested = parse.GetValue(mode)!;
            var definition = new
            {
                apm = parse.GetValue(apm), aqm = parse.GetValue(aqm), adm = parse.GetValue(adm),
                maxAdapter = parse.GetValue(maxAdapter), maxDomain = parse.GetValue(maxDomain),
                apmask = parse.GetValue(apmask), aqmask = parse.GetValue(aqmask), eventForm = parse.GetValue(form),
            };
            // ApBus asked first: one that is away stops the define before VfioAp has the host (a half-made host).
            if (await NullIfNotFoundAsync(session.ApBus.CallAsync(ApiRoutes.GetBus, [host], ct)) is not null)
            {
                await DefineAgainAsync(session, host, requested, definition, ct);
                return;
            }
            // VfioAp first: a host's mode is fixed once it has bus events, and ApBus's define scans at once. Every field is checked
            // and ApBus asked above, so only a race with another, different define can leave VfioAp with a host ApBus then
            // refuses (ApBus takes the same definition again as made).
            var vfioAp = await session.VfioAp.CallAsync(ApiRoutes.DefineHost, [host], ct, new { mode = requested });
            var bus = await session.ApBus.CallAsync(ApiRoutes.DefineBus, [host], ct, definition);
            session.Write(new JsonObject { ["apBus"] = bus, ["vfioAp"] = vfioAp },
                output => output.WriteLine($"host {host} defined: {Text(bus!["lastSequence"])} bus event(s) so far"));
        });
    }

    /// <summary>The answer, or null where the service knows no such host.</summary>
    internal static async Task<JsonNode?> NullIfNotFoundAsync(Task<JsonNode?> call)
    {
        try
        {
            return await call;
        }
        catch (ApctlException e) when (e.Problem?["kind"]?.GetValue<string>() == "not-found")
        {
            return null;
        }
    }

    /// <summary>
    /// A host defined already: the same definition again succeeds and changes nothing (a define whose answer was lost may be
    /// run again); another is refused before anything changes, naming what changes a defined host.
    /// </summary>
    static async Task DefineAgainAsync(Session session, string host, string mode, object definition, CancellationToken ct)
    {
        JsonNode? bus;
        try
        {
            // ApBus first: the same definition again changes nothing there, and another stops this before VfioAp is touched.
            bus = await session.ApBus.CallAsync(ApiRoutes.DefineBus, [host], ct, definition);
        }
        catch (ApctlException e) when (e.Problem?["kind"]?.GetValue<string>() == "exists")
        {
            throw new ApctlException(ExitCodes.Refused, $"exists: host {host} is defined already with another configuration, masks or event form, " +
                "or a scan's config-changed window is open: apctl host config and apctl host masks change it", e.Problem);
        }
        var vfioAp = await NullIfNotFoundAsync(session.VfioAp.CallAsync(ApiRoutes.GetHost, [host], ct))
            // ApBus's host whose first event VfioAp has not had yet: VfioAp is given it as a new define would.
            ?? await session.VfioAp.CallAsync(ApiRoutes.DefineHost, [host], ct, new { mode });
        if (vfioAp?["mode"]?.GetValue<string>() != mode)
            throw new ApctlException(ExitCodes.Refused, $"exists: host {host} is defined already, with hot-plug mode {Text(vfioAp?["mode"])}, " +
                "fixed once it has bus events", new JsonObject { ["kind"] = "exists" });
        session.Write(new JsonObject { ["apBus"] = bus, ["vfioAp"] = vfioAp },
            output => output.WriteLine($"host {host} is defined so already: nothing changed ({Text(bus!["lastSequence"])} bus event(s) so far)"));
    }

    static Command Config(Io io)
    {
        var apm = new Option<string>("--apm") { Description = "the adapters after the change", Required = true }.IdSet();
        var aqm = new Option<string>("--aqm") { Description = "the usage domains after the change", Required = true }.IdSet();
        var adm = new Option<string>("--adm") { Description = "the control domains after the change", Required = true }.IdSet();
        var wait = new Option<bool>("--wait") { Description = "wait until vfio_ap has applied the scan and every guest acknowledged its update" };
        var timeout = new Option<int>("--timeout") { Description = "how many seconds --wait waits (120 when absent)", DefaultValueFactory = _ => 120 }
            .Within(1, 86_400);
        var command = new Command("config", "changes the host's AP configuration: a full scan (config changed, removals, probes, scan complete)")
        {
            Host, apm, aqm, adm, wait, timeout,
        };
        command.OnlyWith(timeout, wait, "without it apctl does not wait");
        return command.Does(io, async (parse, session, ct) =>
        {
            var host = parse.GetValue(Host)!;
            var before = parse.GetValue(wait) ? (await session.VfioAp.CallAsync(ApiRoutes.GetHost, [host], ct))!["lastSequence"]!.GetValue<long>() : 0;
            var changed = await session.ApBus.CallAsync(ApiRoutes.ScanConfig, [host], ct,
                new { apm = parse.GetValue(apm), aqm = parse.GetValue(aqm), adm = parse.GetValue(adm) });
            var last = changed!["lastSequence"]!.GetValue<long>();
            if (!parse.GetValue(wait))
            {
                session.Write(changed, output => output.WriteLine($"host {host}: configuration changed, bus events up to {last}"));
                return;
            }
            ScanProgress progress;
            try
            {
                progress = await ScanProgress.WaitAsync(session, host, before, last, TimeSpan.FromSeconds(parse.GetValue(timeout)), io.Terminal && !session.Json, ct);
            }
            catch (ApctlException e)
            {
                // The change is made whatever the wait met: say so, or it reads as refused or lost.
                throw new ApctlException(e.ExitCode, $"host {host}: configuration changed (bus events up to {last}); the wait ended: {e.Message}", e.Problem);
            }
            // A window opened by POST .../config-changed stays open when the scan found no change to announce: no scan complete yet.
            var windowOpen = (await session.ApBus.CallAsync(ApiRoutes.GetBus, [host], ct))?["openScanId"] is JsonValue;
            var result = progress.ToJson(host, last);
            result["scanOpen"] = windowOpen;
            session.Write(result, output => output.WriteLine(windowOpen
                ? $"host {host}: bus events up to {last} applied, but its config-changed window is still open (the configuration did not change, " +
                  $"so no scan complete was sent): POST /hosts/{host}/scan-complete on ApBus closes it"
                : $"host {host}: scan applied (bus events up to {last}); {progress.Acknowledged} of {progress.Guests} guest(s) acknowledged"));
        });
    }

    static Command Masks(Io io)
    {
        var apmask = new Option<string>("--apmask") { Description = "adapters the host's default drivers keep", Required = true }.IdSet();
        var aqmask = new Option<string>("--aqmask") { Description = "domains the host's default drivers keep", Required = true }.IdSet();
        var command = new Command("masks", "changes the bus's apmask and aqmask: vfio_ap refuses a change that would take a queue an mdev holds") { Host, apmask, aqmask };
        return command.Does(io, async (parse, session, ct) =>
        {
            var host = parse.GetValue(Host)!;
            var changed = await session.ApBus.CallAsync(ApiRoutes.SetBusMasks, [host], ct,
                new { apmask = parse.GetValue(apmask), aqmask = parse.GetValue(aqmask) });
            session.Write(changed, output => output.WriteLine($"host {host}: masks set, bus events up to {Text(changed!["lastSequence"])}"));
        });
    }

    /// <summary>A JSON value as a table cell; null as a dash.</summary>
    public static string Text(JsonNode? node) => node switch
    {
        null => "-",
        JsonValue value when value.TryGetValue<string>(out var text) => text.Length == 0 ? "-" : text,
        // A fraction (milliseconds suspended) to three places: the binary double's last digits mean nothing to a reader.
        JsonValue value when !value.TryGetValue<long>(out _) && value.TryGetValue<double>(out var number) =>
            number.ToString("0.###", CultureInfo.InvariantCulture),
        _ => node.ToJsonString(),
    };
}
