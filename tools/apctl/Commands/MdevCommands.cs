using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Apmatrix.ApModel;
using Apmatrix.Apctl.Cli;
using Apmatrix.Apctl.Mdevctl;

namespace Apmatrix.Apctl.Commands;

/// <summary><c>apctl mdev</c>: vfio_ap's mediated devices, with mdevctl's JSON in and out.</summary>
public static class MdevCommands
{
    static readonly Argument<string> Mdev = new Argument<string>("mdev") { Description = "the mdev's name" }.Named("mdev");
    static readonly Option<bool> DumpJson = new("--dumpjson") { Description = "mdevctl's JSON (the form mdevctl define --jsonfile reads)" };

    /// <summary>modify's options: the sysfs attribute each stands for, and which mask of the matrix it changes.</summary>
    static readonly (Option<string[]> Option, bool Assign, int Mask)[] Changes =
    [
        (Change("--assign-adapter", "adds adapters"), true, 0), (Change("--unassign-adapter", "removes adapters"), false, 0),
        (Change("--assign-domain", "adds usage domains"), true, 1), (Change("--unassign-domain", "removes usage domains"), false, 1),
        (Change("--assign-control-domain", "adds control domains"), true, 2), (Change("--unassign-control-domain", "removes control domains"), false, 2),
    ];

    static Option<string[]> Change(string name, string what) =>
        new(name) { Description = $"{what} (a number as sysfs reads it: 5, 0x5, 05; repeat or separate with commas)", AllowMultipleArgumentsPerToken = false };

    public static Command Build(Io io)
    {
        var command = new Command("mdev", "vfio_ap mediated devices: define, modify, attach, and read their matrices");
        command.Subcommands.Add(List(io));
        command.Subcommands.Add(Show(io));
        command.Subcommands.Add(Define(io));
        command.Subcommands.Add(Modify(io));
        command.Subcommands.Add(Remove(io));
        command.Subcommands.Add(Attach(io));
        command.Subcommands.Add(Detach(io));
        command.Subcommands.Add(Sysfs(io, "matrix", "the APQNs assigned, as sysfs matrix shows them", ApiRoutes.GetMdevMatrix));
        command.Subcommands.Add(Sysfs(io, "guest-matrix", "the APQNs the guest's APCB holds (the shadow APCB)", ApiRoutes.GetGuestMatrix));
        command.Subcommands.Add(Sysfs(io, "control-domains", "the control domains assigned", ApiRoutes.GetControlDomains));
        return command;
    }

    static Command List(Io io)
    {
        var command = new Command("list", "a host's mdevs") { HostCommands.Host, DumpJson };
        return command.Does(io, async (parse, session, ct) =>
        {
            var host = parse.GetValue(HostCommands.Host)!;
            var mdevs = (await session.VfioAp.CallAsync(ApiRoutes.ListMdevs, [host], ct))!.AsArray();
            if (parse.GetValue(DumpJson))
            {
                session.Out.WriteLine(MdevctlDefinition.ListJson(mdevs.Select(m => (m!["name"]!.GetValue<string>(), Definition(m)))).ToJsonString(Session.Indented));
                return;
            }
            session.Write(mdevs, output => Table.Write(output, ["MDEV", "GUEST", "ADAPTERS", "DOMAINS", "CONTROL", "SHADOW APQNS"],
                mdevs.Select(m => new[]
                {
                    HostCommands.Text(m!["name"]), HostCommands.Text(m["guest"]), HostCommands.Text(m["assigned"]!["apm"]),
                    HostCommands.Text(m["assigned"]!["aqm"]), HostCommands.Text(m["assigned"]!["adm"]), ShadowApqns(m["shadow"]!).ToString(),
                })));
        });
    }

    /// <summary>The queues the shadow APCB holds: its adapters times its domains (guest_matrix also lists an adapter or a domain alone).</summary>
    static int ShadowApqns(JsonNode shadow) =>
        Bitmap256.ParseRangeList(shadow["apm"]!.GetValue<string>()).Count * Bitmap256.ParseRangeList(shadow["aqm"]!.GetValue<string>()).Count;

    static Command Show(Io io)
    {
        var command = new Command("show", "one mdev: its matrix, shadow APCB, pending adds and guest") { HostCommands.Host, Mdev, DumpJson };
        return command.Does(io, async (parse, session, ct) =>
        {
            var mdev = await session.VfioAp.CallAsync(ApiRoutes.GetMdev, [parse.GetValue(HostCommands.Host)!, parse.GetValue(Mdev)!], ct);
            if (parse.GetValue(DumpJson))
            {
                session.Out.WriteLine(Definition(mdev!).ToJson().ToJsonString(Session.Indented));
                return;
            }
            session.Write(mdev, output => WriteMdev(output, mdev!));
        });
    }

    static void WriteMdev(TextWriter output, JsonNode mdev)
    {
        output.WriteLine($"mdev {HostCommands.Text(mdev["name"])} on host {HostCommands.Text(mdev["host"])}, guest {HostCommands.Text(mdev["guest"])}");
        foreach (var (label, field) in new[] { ("assigned", "assigned"), ("shadow APCB", "shadow"), ("added, to plug", "added") })
            output.WriteLine($"  {label,-15} apm {HostCommands.Text(mdev[field]!["apm"])}  aqm {HostCommands.Text(mdev[field]!["aqm"])}  adm {HostCommands.Text(mdev[field]!["adm"])}");
    }

    static MdevctlDefinition Definition(JsonNode mdev) => new(mdev["guest"] is not null,
        new ApMatrix(ApCommands.Ids(mdev["assigned"]!["apm"]), ApCommands.Ids(mdev["assigned"]!["aqm"]), ApCommands.Ids(mdev["assigned"]!["adm"])));

    static Command Define(Io io)
    {
        var file = new Option<FileInfo>("--jsonfile") { Description = "mdevctl's JSON for a vfio_ap mdev", Required = true };
        var guest = new Option<string?>("--guest") { Description = "the guest to attach it to when the file says start: auto" }.Named("guest");
        var command = new Command("define", "creates an mdev with the whole matrix of an mdevctl file in one change: a bad file or a refusal changes nothing")
        {
            HostCommands.Host, Mdev, file, guest,
        };
        return command.Does(io, async (parse, session, ct) =>
        {
            var (host, name, path) = (parse.GetValue(HostCommands.Host)!, parse.GetValue(Mdev)!, parse.GetValue(file)!);
            if (Directory.Exists(path.FullName)) throw new ApctlException(ExitCodes.BadInput, $"{path} is a directory, not an mdevctl file");
            // mdevctl writes a few hundred bytes; a file far past that is not one, and is not read into memory whole.
            if (path.Exists && path.Length > MaxFileBytes)
                throw new ApctlException(ExitCodes.BadInput, string.Create(CultureInfo.InvariantCulture,
                    $"{path} is {path.Length:N0} bytes: an mdevctl file is at most {MaxFileBytes:N0}"));
            string json;
            try
            {
                json = await File.ReadAllTextAsync(path.FullName, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ApctlException(ExitCodes.BadInput, $"cannot read {path}: {e.Message}");
            }
            var faults = new List<MdevctlFault>();
            var definition = MdevctlDefinition.Read(json, faults) ?? throw BadFile(path, faults);
            var matrix = definition.Matrix;
            var created = await session.VfioAp.CallAsync(ApiRoutes.CreateMdev, [host], ct,
                new { name, apm = matrix.Apm.ToRangeList(), aqm = matrix.Aqm.ToRangeList(), adm = matrix.Adm.ToRangeList() });
            var attachTo = definition.AutoStart ? parse.GetValue(guest) : null;
            if (attachTo is not null)
                try
                {
                    created = await session.VfioAp.CallAsync(ApiRoutes.AttachMdev, [host, name], ct, new { guest = attachTo });
                }
                catch (ApctlException refused) when (refused.ExitCode == ExitCodes.Refused)
                {
                    // A refusal changes nothing: the mdev made for the attach goes with it.
                    await session.VfioAp.CallAsync(ApiRoutes.RemoveMdev, [host, name], ct);
                    throw new ApctlException(refused.ExitCode, $"{refused.Message} (mdev {name} not kept)", refused.Problem);
                }
            session.Write(created, output =>
            {
                output.WriteLine(attachTo is null ? $"mdev {name} defined" : $"mdev {name} defined and attached to guest {attachTo}");
                if (parse.GetValue(guest) is { } unused && attachTo is null) output.WriteLine($"  not attached to {unused}: the file says start: manual");
                if (definition.AutoStart && attachTo is null) output.WriteLine("  not attached: the file says start: auto but names no --guest; --dumpjson says manual until a guest holds it");
            });
        });
    }

    const long MaxFileBytes = 1 << 20;

    static readonly TimeSpan ChangedPause = TimeSpan.FromMilliseconds(50);

    static ApctlException BadFile(FileInfo path, List<MdevctlFault> faults) => new(ExitCodes.BadInput,
        $"{path} is not a vfio_ap mdev definition mdevctl writes:{string.Concat(faults.Select(f => $"{Environment.NewLine}  {f}"))}",
        new JsonObject
        {
            ["kind"] = "invalid", ["file"] = path.ToString(),
            ["faults"] = new JsonArray([.. faults.Select(f => (JsonNode)new JsonObject { ["attribute"] = f.Attribute, ["field"] = f.Field, ["reason"] = f.Reason })]),
        });

    static Command Modify(Io io)
    {
        var command = new Command("modify", "assigns and unassigns adapters, domains and control domains, written as one ap_config change: all or nothing")
        {
            HostCommands.Host, Mdev,
        };
        foreach (var change in Changes) command.Options.Add(change.Option);
        return command.Does(io, async (parse, session, ct) =>
        {
            var (host, name) = (parse.GetValue(HostCommands.Host)!, parse.GetValue(Mdev)!);
            var (add, remove, faults) = (new Bitmap256[3], new Bitmap256[3], new List<string>());
            foreach (var (option, assign, mask) in Changes)
                foreach (var text in (parse.GetValue(option) ?? []).SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries)))
                {
                    if (SysfsNumber.TryParse(text, out var id) != SysfsNumberStatus.Ok || id >= Bitmap256.Capacity)
                        faults.Add($"{option.Name} {text}: not a number from 0 to {Bitmap256.Capacity - 1} (5, 0x5, 05)");
                    else if (assign) add[mask] = add[mask].With((int)id);
                    else remove[mask] = remove[mask].With((int)id);
                }
            foreach (var (option, _, mask) in Changes.Where(c => c.Assign))
                if (!(add[mask] & remove[mask]).IsEmpty)
                    faults.Add($"{option.Name} and {Changes.Single(c => !c.Assign && c.Mask == mask).Option.Name} both name {(add[mask] & remove[mask]).ToRangeList()}");
            if (faults.Count > 0) throw new ApctlException(ExitCodes.BadInput, string.Join(Environment.NewLine, faults));
            if (add.Concat(remove).All(m => m.IsEmpty)) throw new ApctlException(ExitCodes.BadInput, "nothing to change: give --assign-* or --unassign-* options");
            Bitmap256 Next(Bitmap256 now, int mask) => now.AndNot(remove[mask]) | add[mask];
            // The change is a delta: when another writer got in between the read and the write, it applies to a new read.
            var (racing, raced) = (System.Diagnostics.Stopwatch.StartNew(), 0);
            while (true)
            {
                var read = (await session.VfioAp.CallAsync(ApiRoutes.GetMdev, [host, name], ct))!;
                var current = Definition(read).Matrix;
                try
                {
                    var changed = await session.VfioAp.CallAsync(ApiRoutes.SetApConfig, [host, name], ct, new
                    {
                        apm = Next(current.Apm, 0).ToRangeList(), aqm = Next(current.Aqm, 1).ToRangeList(), adm = Next(current.Adm, 2).ToRangeList(),
                        ifMatrixTag = read["matrixTag"]!.GetValue<string>(),
                    });
                    session.Write(changed, output => WriteMdev(output, changed!));
                    return;
                }
                catch (ApctlException race) when (race.Problem?["kind"]?.GetValue<string>() == "changed" && racing.Elapsed < ServiceClient.RetryFor)
                {
                    if (++raced == 1) session.Error.WriteLine($"apctl: mdev {name}'s matrix changed while this change was made; reading it again");
                    await Task.Delay(ChangedPause, ct);
                }
            }
        });
    }

    static Command Attach(Io io)
    {
        var guest = new Option<string>("--guest") { Description = "the guest that gets the mdev's queues in its APCB", Required = true }.Named("guest");
        var command = new Command("attach", "gives an mdev to a guest") { HostCommands.Host, Mdev, guest };
        return command.Does(io, async (parse, session, ct) =>
        {
            var (host, name) = (parse.GetValue(HostCommands.Host)!, parse.GetValue(Mdev)!);
            var mdev = await session.VfioAp.CallAsync(ApiRoutes.AttachMdev, [host, name], ct, new { guest = parse.GetValue(guest) });
            session.Write(mdev, output => WriteMdev(output, mdev!));
        });
    }

    static Command Detach(Io io)
    {
        var command = new Command("detach", "takes an mdev from its guest: the guest's APCB empties") { HostCommands.Host, Mdev };
        return command.Does(io, async (parse, session, ct) =>
        {
            var (host, name) = (parse.GetValue(HostCommands.Host)!, parse.GetValue(Mdev)!);
            // Read first, so the answer can say whether there was a guest to take it from (detach itself is the same either way).
            var guest = (await session.VfioAp.CallAsync(ApiRoutes.GetMdev, [host, name], ct))!["guest"];
            var mdev = await session.VfioAp.CallAsync(ApiRoutes.DetachMdev, [host, name], ct);
            session.Write(mdev, output => output.WriteLine(guest is null
                ? $"mdev {name}: not attached to a guest; nothing changed"
                : $"mdev {name}: detached from guest {HostCommands.Text(guest)}"));
        });
    }

    static Command Remove(Io io)
    {
        var command = new Command("remove", "removes an mdev no guest holds") { HostCommands.Host, Mdev };
        return command.Does(io, async (parse, session, ct) =>
        {
            var (host, name) = (parse.GetValue(HostCommands.Host)!, parse.GetValue(Mdev)!);
            var result = await session.VfioAp.CallAsync(ApiRoutes.RemoveMdev, [host, name], ct);
            session.Write(result ?? new JsonObject { ["host"] = host, ["mdev"] = name, ["done"] = "remove" }, output => output.WriteLine($"mdev {name}: removed"));
        });
    }

    static Command Sysfs(Io io, string verb, string description, ApiRoute attribute)
    {
        var command = new Command(verb, description) { HostCommands.Host, Mdev };
        return command.Does(io, async (parse, session, ct) =>
        {
            var text = await session.VfioAp.TextAsync(attribute, [parse.GetValue(HostCommands.Host)!, parse.GetValue(Mdev)!], ct);
            session.Write(new JsonArray([.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (JsonNode)l)]), output => output.Write(text));
        });
    }
}
