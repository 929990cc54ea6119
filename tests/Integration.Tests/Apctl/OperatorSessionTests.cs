using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Apmatrix.ApModel;
using Apmatrix.Apctl.Cli;
using Apmatrix.Apctl.Mdevctl;

namespace Apmatrix.Integration.Tests.Apctl;

/// <summary>
/// What a new operator does with apctl, against the running services: define a host, list its queues, define an mdev
/// from mdevctl's JSON, attach it, change the configuration and watch it land, read a guest's history, and be refused
/// with the owner named. Host 4 x 16 ids: adapter 5 stays with the default drivers (apmask 5, aqmask every domain).
/// </summary>
[Collection("stack")]
public sealed class Operating_a_host_with_apctl(StackFixture stack) : IDisposable
{
    readonly ApctlRunner _apctl = new(stack, stack.Keys.Operator);
    readonly string _host = $"apctl-{Guid.NewGuid().ToString("N")[..8]}";
    readonly List<string> _files = [];

    string MdevctlFile(string json)
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, json);
        _files.Add(file);
        return file;
    }

    async Task DefineHostAsync()
    {
        await _apctl.JsonAsync(ExitCodes.Done, "host", "define", _host, "--apm", "4-5", "--aqm", "0-3", "--adm", "0-3", "--max-adapter", "15",
            "--max-domain", "15", "--apmask", "5", "--aqmask", "0-15");
        await _apctl.JsonAsync(ExitCodes.Done, "guest", "define", _host, "g1", "--vcpus", "2");
        await Eventually.ReadAsync(() => _apctl.JsonAsync(ExitCodes.Done, "host", "show", _host),
            host => host["vfioAp"]!["lastSequence"]!.GetValue<long>() == host["apBus"]!["lastSequence"]!.GetValue<long>(), "VfioAp to apply the host's scan");
    }

    const string M1 = """
        {"mdev_type": "vfio_ap-passthrough", "start": "auto",
         "attrs": [{"assign_adapter": "4"}, {"assign_domain": "0x1"}, {"assign_domain": "2"}, {"assign_control_domain": "1"}]}
        """;

    [Fact]
    public async Task Should_define_attach_change_and_read_back()
    {
        await DefineHostAsync();
        var again = await _apctl.RunAsync("host", "define", _host, "--apm", "4-5", "--aqm", "0-3", "--adm", "0-3", "--max-adapter", "15",
            "--max-domain", "15", "--apmask", "5", "--aqmask", "0-15", "--mode", "per-queue");
        Assert.Equal((ExitCodes.Refused, $"apctl: exists: host {_host} is defined already, with hot-plug mode batched, fixed once it has bus events"),
            (again.Code, again.Error.Trim()));
        var otherConfig = await _apctl.RunAsync("host", "define", _host, "--apm", "4", "--aqm", "0-3", "--adm", "0-3", "--max-adapter", "15",
            "--max-domain", "15", "--apmask", "5", "--aqmask", "0-15");
        Assert.Equal((ExitCodes.Refused, $"apctl: exists: host {_host} is defined already with another configuration, masks or event form, " +
            "or a scan's config-changed window is open: apctl host config and apctl host masks change it"), (otherConfig.Code, otherConfig.Error.Trim()));
        var before = await _apctl.JsonAsync(ExitCodes.Done, "host", "show", _host);
        var same = await _apctl.JsonAsync(ExitCodes.Done, "host", "define", _host, "--apm", "4-5", "--aqm", "0-3", "--adm", "0-3", "--max-adapter", "15",
            "--max-domain", "15", "--apmask", "5", "--aqmask", "0-15");
        Assert.Equal(before["apBus"]!["lastSequence"]!.GetValue<long>(), same["apBus"]!["lastSequence"]!.GetValue<long>());
        Assert.Equal(before["apBus"]!["lastSequence"]!.GetValue<long>(),
            (await _apctl.JsonAsync(ExitCodes.Done, "host", "show", _host))["apBus"]!["lastSequence"]!.GetValue<long>());
        Assert.Equal("batched", (await _apctl.JsonAsync(ExitCodes.Done, "host", "show", _host))["vfioAp"]!["mode"]!.GetValue<string>());
        var hosts = (await _apctl.JsonAsync(ExitCodes.Done, "host", "list")).AsArray();
        Assert.Contains(hosts, h => h!["host"]!.GetValue<string>() == _host && h["behind"]!.GetValue<long>() == 0 && h["queueDevices"]!.GetValue<int>() == 8
                                && h["unacknowledgedUpdates"]!.GetValue<int>() == 0);

        Assert.Equal(0, (await _apctl.RunAsync("mdev", "define", _host, "m1", "--jsonfile", MdevctlFile(M1), "--guest", "g1")).Code);

        var queues = (await _apctl.JsonAsync(ExitCodes.Done, "ap", "list", _host)).AsArray().ToDictionary(q => q!["apqn"]!.GetValue<string>());
        Assert.Equal(["04.0000", "04.0001", "04.0002", "04.0003", "05.0000", "05.0001", "05.0002", "05.0003"], queues.Keys.Order());
        Assert.Equal(("vfio_ap", "m1", "g1", "in use"), Row(queues["04.0001"]!));
        Assert.Equal(("vfio_ap", "m1", "g1", "in use"), Row(queues["04.0002"]!));
        Assert.Equal(("vfio_ap", "-", "-", "unassigned"), Row(queues["04.0003"]!));
        Assert.Equal(("default", "-", "-", "-"), Row(queues["05.0001"]!));
        var table = await _apctl.RunAsync("ap", "list", _host);
        Assert.Contains(table.Out.Split('\n'), line => line.StartsWith("04.0001") && line.TrimEnd().EndsWith("in use"));

        // The definition round-trips: what --dumpjson writes, mdevctl define --jsonfile (and apctl) reads as the same mdev.
        var dump = (await _apctl.RunAsync("mdev", "list", _host, "--dumpjson")).Out;
        var m1 = JsonNode.Parse(dump)![0]!["matrix"]![0]!["m1"]!;
        var faults = new List<MdevctlFault>();
        Assert.Equal(MdevctlDefinition.Read(M1, faults), MdevctlDefinition.Read(m1.ToJsonString(), faults));
        Assert.Empty(faults);
        Assert.Equal(m1.ToJsonString(), JsonNode.Parse((await _apctl.RunAsync("mdev", "show", _host, "m1", "--dumpjson")).Out)!.ToJsonString());

        var modified = await _apctl.JsonAsync(ExitCodes.Done, "mdev", "modify", _host, "m1", "--assign-domain", "3", "--unassign-control-domain", "0x1");
        Assert.Equal(("4", "1-3", ""), Masks(modified["assigned"]!));
        Assert.Equal("04.0001\n04.0002\n04.0003\n", (await _apctl.RunAsync("mdev", "matrix", _host, "m1")).Out);
        Assert.Equal("", (await _apctl.RunAsync("mdev", "control-domains", _host, "m1")).Out);

        var waited = await _apctl.JsonAsync(ExitCodes.Done, "host", "config", _host, "--apm", "4-5", "--aqm", "0-7", "--adm", "0-3", "--wait");
        Assert.Equal(waited["events"]!.GetValue<long>(), waited["eventsApplied"]!.GetValue<long>());
        Assert.Equal(1, waited["guestsAcknowledged"]!.GetValue<int>());
        Assert.False(waited["scanOpen"]!.GetValue<bool>());
        var lines = (await _apctl.RunAsync("host", "config", _host, "--apm", "4-5", "--aqm", "0-3", "--adm", "0-3", "--wait")).Error.Split('\n');
        Assert.Contains(lines, line => line.StartsWith("bus events applied") && line.Contains("guests acknowledged 1/1"));

        var guest = await _apctl.JsonAsync(ExitCodes.Done, "guest", "show", _host, "g1", "--history", "all");
        Assert.Equal(("4", "1-3", ""), Masks(guest));
        Assert.True(guest["history"]!.AsArray().Count >= 2, guest.ToJsonString());
        Assert.Equal("04.0001\n04.0002\n04.0003\n", (await _apctl.RunAsync("mdev", "guest-matrix", _host, "m1")).Out);
    }

    [Fact]
    public async Task Should_name_the_owner_of_a_refused_queue()
    {
        await DefineHostAsync();
        Assert.Equal(0, (await _apctl.RunAsync("mdev", "define", _host, "m1", "--jsonfile", MdevctlFile(M1), "--guest", "g1")).Code);
        var taken = MdevctlFile("""{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": [{"assign_adapter": "4"}, {"assign_domain": "2"}]}""");

        var inUse = (await _apctl.JsonAsync(ExitCodes.Refused, "mdev", "define", _host, "m2", "--jsonfile", taken))["error"]!;
        Assert.Equal(("in-use", "04.0002", "m1"), (inUse["kind"]!.GetValue<string>(), inUse["apqn"]!.GetValue<string>(), inUse["mdev"]!.GetValue<string>()));
        var text = await _apctl.RunAsync("mdev", "define", _host, "m2", "--jsonfile", taken);
        Assert.Equal(ExitCodes.Refused, text.Code);
        Assert.Contains("held by mdev: m1", text.Error);
        // Created and assigned in one change: the refused define left no empty m2 behind.
        Assert.Equal(ExitCodes.Refused, (await _apctl.RunAsync("mdev", "show", _host, "m2")).Code);
        // Nor does an attach refused after the mdev was made: g1 holds m1 already.
        var free = MdevctlFile("""{"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": [{"assign_adapter": "4"}, {"assign_domain": "3"}]}""");
        var second = await _apctl.RunAsync("mdev", "define", _host, "m2", "--jsonfile", free, "--guest", "g1");
        Assert.Equal(ExitCodes.Refused, second.Code);
        Assert.Contains("(mdev m2 not kept)", second.Error);
        Assert.Equal(ExitCodes.Refused, (await _apctl.RunAsync("mdev", "show", _host, "m2")).Code);

        var reserved = (await _apctl.JsonAsync(ExitCodes.Refused, "mdev", "modify", _host, "m1", "--assign-adapter", "5"))["error"]!;
        Assert.Equal(("reserved", "05.0001", "bus-masks"),
            (reserved["kind"]!.GetValue<string>(), reserved["apqn"]!.GetValue<string>(), reserved["reservedBy"]!.GetValue<string>()));

        var busy = (await _apctl.JsonAsync(ExitCodes.Refused, "host", "masks", _host, "--apmask", "4-5", "--aqmask", "0-15"))["error"]!;
        Assert.Contains("m1", busy["message"]!.GetValue<string>());
        Assert.Equal("4", (await _apctl.JsonAsync(ExitCodes.Done, "mdev", "show", _host, "m1"))["assigned"]!["apm"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_answer_with_exit_codes_scripts_can_rely_on()
    {
        await DefineHostAsync();
        var bad = MdevctlFile("""{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": [{"assign_adapter": "300"}, {"assign_domain": "x"}]}""");

        var refused = (await _apctl.JsonAsync(ExitCodes.BadInput, "mdev", "define", _host, "m1", "--jsonfile", bad))["error"]!;
        Assert.Equal([0, 1], refused["faults"]!.AsArray().Select(f => f!["attribute"]!.GetValue<int>()));
        Assert.Equal("[]", (await _apctl.JsonAsync(ExitCodes.Done, "mdev", "list", _host)).ToJsonString());

        Assert.Equal(ExitCodes.BadInput, (await _apctl.RunAsync("mdev", "modify", _host, "m1", "--assign-adapter", "0x")).Code);
        Assert.Equal(ExitCodes.BadInput, (await _apctl.RunAsync("host", "show")).Code);
        Assert.Equal(ExitCodes.BadInput, (await _apctl.RunAsync("host", "config", _host, "--apm", "4-5", "--aqm", "nonsense", "--adm", "")).Code);
        Assert.Equal(ExitCodes.Refused, (await _apctl.RunAsync("host", "show", $"{_host}-none")).Code);
        using var nowhere = new ApctlRunner(stack, stack.Keys.Operator, vfioAp: new Uri("http://127.0.0.1:1"));
        Assert.Equal(ExitCodes.Unavailable, (await nowhere.RunAsync("host", "show", _host)).Code);

        using var viewer = new ApctlRunner(stack, stack.ViewerKey);
        Assert.Equal(ExitCodes.Done, (await viewer.RunAsync("ap", "list", _host)).Code);
        var forbidden = await viewer.RunAsync("guest", "define", _host, "g2");
        Assert.Equal(ExitCodes.BadInput, forbidden.Code);
        Assert.Contains("does not allow", forbidden.Error);
    }

    [Fact]
    public async Task Should_attach_detach_and_remove_an_mdev()
    {
        await DefineHostAsync();
        await _apctl.JsonAsync(ExitCodes.Done, "guest", "define", _host, "g2", "--format", "Apcb0");
        var manual = MdevctlFile("""{"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": [{"assign_adapter": "4"}, {"assign_domain": "3"}]}""");
        var defined = await _apctl.RunAsync("mdev", "define", _host, "m3", "--jsonfile", manual, "--guest", "g2");
        Assert.Contains("not attached to g2: the file says start: manual", defined.Out);
        Assert.Null((await _apctl.JsonAsync(ExitCodes.Done, "mdev", "show", _host, "m3"))["guest"]);

        Assert.Equal("g2", (await _apctl.JsonAsync(ExitCodes.Done, "mdev", "attach", _host, "m3", "--guest", "g2"))["guest"]!.GetValue<string>());
        var guests = await Eventually.ReadAsync(async () => (await _apctl.JsonAsync(ExitCodes.Done, "guest", "list", _host)).AsArray(),
            list => list.Any(g => g!["guest"]!.GetValue<string>() == "g2" && g["aqm"]!.GetValue<string>() == "3"), "g2's APCB to hold domain 3");
        Assert.Equal("Apcb0", guests.Single(g => g!["guest"]!.GetValue<string>() == "g2")!["format"]!.GetValue<string>());
        Assert.Equal(ExitCodes.Refused, (await _apctl.RunAsync("mdev", "remove", _host, "m3")).Code);

        Assert.Equal("mdev m3: detached from guest g2", (await _apctl.RunAsync("mdev", "detach", _host, "m3")).Out.Trim());
        Assert.Equal("mdev m3: not attached to a guest; nothing changed", (await _apctl.RunAsync("mdev", "detach", _host, "m3")).Out.Trim());
        await _apctl.JsonAsync(ExitCodes.Done, "mdev", "remove", _host, "m3");
        Assert.Equal(ExitCodes.Refused, (await _apctl.RunAsync("mdev", "show", _host, "m3")).Code);
        Assert.Equal("unassigned", (await _apctl.JsonAsync(ExitCodes.Done, "ap", "list", _host)).AsArray()
            .Single(q => q!["apqn"]!.GetValue<string>() == "04.0003")!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Should_not_write_a_matrix_over_a_change_made_since_it_was_read()
    {
        await DefineHostAsync();
        var defined = await _apctl.RunAsync("mdev", "define", _host, "m1", "--jsonfile", MdevctlFile(M1));
        Assert.Equal(0, defined.Code);
        Assert.Contains("not attached: the file says start: auto but names no --guest", defined.Out);
        var stale = (await _apctl.JsonAsync(ExitCodes.Done, "mdev", "show", _host, "m1"))["matrixTag"]!.GetValue<string>();
        await _apctl.JsonAsync(ExitCodes.Done, "mdev", "modify", _host, "m1", "--assign-domain", "3");

        using var vfioAp = stack.Client(stack.VfioAp);
        using var late = await vfioAp.PutAsJsonAsync($"/hosts/{_host}/mdevs/m1/ap_config", new { apm = "4", aqm = "0", adm = "", ifMatrixTag = stale });

        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Equal("changed", (await late.Content.ReadFromJsonAsync<JsonObject>())!["kind"]!.GetValue<string>());
        Assert.Equal(("4", "1-3", "1"), Masks((await _apctl.JsonAsync(ExitCodes.Done, "mdev", "show", _host, "m1"))["assigned"]!));
    }

    static (string, string, string, string) Row(JsonNode queue) =>
        (Text(queue["driver"]), Text(queue["mdev"]), Text(queue["guest"]), Text(queue["status"]));

    static (string, string, string) Masks(JsonNode matrix) => (Text(matrix["apm"]), Text(matrix["aqm"]), Text(matrix["adm"]));

    static string Text(JsonNode? node) => node?.GetValue<string>() ?? "-";

    public void Dispose()
    {
        _apctl.Dispose();
        foreach (var file in _files) File.Delete(file);
    }
}
