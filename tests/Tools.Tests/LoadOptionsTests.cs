using Apmatrix.Contracts;
using Apmatrix.ApModel;
using Apmatrix.Engine;
using Apmatrix.LoadTest;

namespace Apmatrix.Tools.Tests;

/// <summary>The load command's arguments and its model of a run; no servers.</summary>
public sealed class LoadOptionsTests
{
    [Fact]
    public void Should_read_every_option()
    {
        var options = LoadOptions.Parse(["--name", "n1", "--hosts", "3", "--adapters", "16", "--domains", "8", "--guests", "4",
            "--vcpus", "2", "--scans", "2", "--mode", "both", "--form", "both", "--apbus", "4", "--vfioap", "2", "--guestvm", "3", "--subscribers", "1",
            "--fault", "kill:vfioap", "--fault-after", "500", "--fault-scans", "3", "--fault-for", "60000", "--poison", "100", "--ceiling", "off", "--timeout", "120",
            "--neighbours", "64", "--neighbour-every", "10", "--telemetry", "both"]);

        Assert.Equal(("n1", 3, 16, 8, 4, 2, 2), (options.Name, options.Hosts, options.Adapters, options.Domains, options.Guests, options.Vcpus, options.Scans));
        Assert.Equal([HotPlugMode.Batched, HotPlugMode.PerQueue], options.Modes);
        Assert.Equal([BusEventForm.Grouped, BusEventForm.PerQueue], options.Forms);
        Assert.Equal((4, 2, 3, 1), (options.ApBusInstances, options.VfioApInstances, options.GuestVmInstances, options.Subscribers));
        Assert.Equal((LoadFault.KillVfioAp, TimeSpan.FromMilliseconds(500), 3, TimeSpan.FromMinutes(1), 100),
            (options.Fault, options.FaultAfter, options.FaultScans, options.FaultFor, options.Poison));
        Assert.False(options.MeasureCeiling);
        Assert.Equal(TimeSpan.FromSeconds(120), options.Timeout);
        Assert.Equal((64, TimeSpan.FromMilliseconds(10)), (options.Neighbours, options.NeighbourEvery));
        Assert.Equal([false, true], options.Telemetry);
    }

    [Theory]
    [InlineData("off", false)]
    [InlineData("on", true)]
    public void Should_read_one_telemetry_setting(string value, bool on) =>
        Assert.Equal([on], LoadOptions.Parse(["--telemetry", value]).Telemetry);

    [Fact]
    public void Should_run_without_telemetry_unless_told_otherwise() =>
        Assert.Equal([false], LoadOptions.Parse([]).Telemetry);

    [Theory]
    [InlineData("--telemetry both --telemetry-rounds 3")]
    [InlineData("--telemetry-rounds 3 --telemetry both")]
    public void Should_alternate_telemetry_off_and_on_in_abba_rounds(string arguments)
    {
        var options = LoadOptions.Parse(arguments.Split(' '));

        Assert.Equal([false, true, true, false, false, true], options.Telemetry);
        Assert.Equal(3, options.TelemetryRounds);
    }

    [Fact]
    public void Should_run_telemetry_off_and_on_once_unless_told_otherwise() =>
        Assert.Equal([false, true], LoadOptions.Parse(["--telemetry", "both", "--telemetry-rounds", "1"]).Telemetry);

    [Fact]
    public void Should_run_no_neighbours_unless_told_to()
    {
        var options = LoadOptions.Parse([]);

        Assert.Equal((0, TimeSpan.FromMilliseconds(200), 10), (options.Neighbours, options.NeighbourEvery, options.NeighbourIdleChanges));
    }

    [Fact]
    public void Should_read_how_many_changes_each_neighbour_makes_idle()
    {
        var options = LoadOptions.Parse(["--neighbours", "2", "--neighbour-idle-changes", "150"]);

        Assert.Equal((2, 150), (options.Neighbours, options.NeighbourIdleChanges));
        Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--neighbour-idle-changes", "0"]));
    }

    [Theory]
    [InlineData("grouped", BusEventForm.Grouped)]
    [InlineData("per-queue", BusEventForm.PerQueue)]
    public void Should_read_one_event_form(string value, BusEventForm form) =>
        Assert.Equal([form], LoadOptions.Parse(["--form", value]).Forms);

    [Fact]
    public void Should_start_one_of_each_service_unless_told_otherwise() =>
        Assert.Equal((1, 1, 1), LoadOptions.Parse([]) is var o ? (o.ApBusInstances, o.VfioApInstances, o.GuestVmInstances) : default);

    [Fact]
    public void Should_group_the_events_unless_told_otherwise() =>
        Assert.Equal([BusEventForm.Grouped], LoadOptions.Parse([]).Forms);

    [Theory]
    [InlineData("--hosts 0", "--hosts")]
    [InlineData("--adapters 257", "--adapters")]
    [InlineData("--mode sideways", "--mode")]
    [InlineData("--mode perqueue", "--mode")]
    [InlineData("--mode Batched", "--mode")]
    [InlineData("--form sideways", "--form")]
    [InlineData("--form perqueue", "--form")]
    [InlineData("--form Grouped", "--form")]
    [InlineData("--form per_queue", "--form")]
    [InlineData("--form batched", "--form")]
    [InlineData("--form", "--form")]
    [InlineData("--vcpus x", "--vcpus")]
    [InlineData("--apbus 0", "--apbus")]
    [InlineData("--apbus 17", "--apbus")]
    [InlineData("--apbus +2", "--apbus")]
    [InlineData("--neighbours 65", "--neighbours")]
    [InlineData("--neighbours -1", "--neighbours")]
    [InlineData("--neighbour-every 9", "--neighbour-every")]
    [InlineData("--neighbour-every 10001", "--neighbour-every")]
    [InlineData("--neighbour-every 0.5", "--neighbour-every")]
    [InlineData("--neighbours", "--neighbours")]
    [InlineData("--frobnicate 1", "--frobnicate")]
    [InlineData("--guests 9 --domains 8", "--guests")]
    [InlineData("--fault kill:everything", "--fault")]
    [InlineData("--fault cluster-leader-restart", "--nodes")]
    [InlineData("--fault broker-restart --nodes 127.0.0.1:5673,127.0.0.1:5674,127.0.0.1:5675", "cluster-node-kill")]
    [InlineData("--poison -1", "--poison")]
    [InlineData("--name a/b", "--name")]
    [InlineData("--name -a", "--name")]
    [InlineData("--name abcdefghijabcdefghijabcdefghijabcdefghijK", "--name")]
    [InlineData("--name abcdefghijabcdefghijabcdefghijabcdefghi", "--name")]
    [InlineData("--hosts", "--hosts")]
    [InlineData("--telemetry On", "--telemetry")]
    [InlineData("--telemetry true", "--telemetry")]
    [InlineData("--telemetry", "--telemetry")]
    [InlineData("--telemetry both --telemetry-rounds 0", "--telemetry-rounds")]
    [InlineData("--telemetry both --telemetry-rounds 6", "--telemetry-rounds")]
    [InlineData("--telemetry on --telemetry-rounds 2", "--telemetry both")]
    [InlineData("--telemetry off --telemetry-rounds 2", "--telemetry both")]
    [InlineData("--telemetry-rounds 2", "--telemetry both")]
    public void Should_name_the_option_it_refuses(string arguments, string option)
    {
        var error = Assert.Throws<ArgumentException>(() => LoadOptions.Parse(arguments.Split(' ')));

        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void Should_name_the_hosts_of_the_longest_name_within_the_name_rule()
    {
        var options = LoadOptions.Parse(["--name", new string('n', LoadOptions.MaxNameLength), "--hosts", "1000", "--form", "both", "--mode", "both"]);

        Assert.True(Names.IsValid(LoadRun.HostName(options.Name, BusEventForm.PerQueue, HotPlugMode.PerQueue, options.Hosts)));
        Assert.True(Names.IsValid(LoadRun.NeighbourName(options.Name, 64)));
    }

    [Fact]
    public void Should_count_what_a_full_scan_and_its_undoing_send()
    {
        var options = LoadOptions.Parse(["--adapters", "4", "--domains", "6", "--guests", "3", "--scans", "2"]);
        var host = new ExpectedHost(options, HotPlugMode.Batched, BusEventForm.PerQueue);

        // Empty to full: config changed, 24 probes, scan complete; each guest gets its domains on all four adapters at once.
        Assert.Equal(26, host.Scan(options.ConfigOfScan(0)));
        Assert.All(host.Guests, g => Assert.Equal(1, g.Version));
        Assert.Equal("0-3", host.Guests.Single(g => g.Name == "g1").Apcb.Apm.ToRangeList());
        Assert.Equal("1,4", host.Guests.Single(g => g.Name == "g1").Apcb.Aqm.ToRangeList());
        // Full to empty: config changed, 24 removals, scan complete; the unplug is one update per guest.
        Assert.Equal(26, host.Scan(options.ConfigOfScan(1)));
        Assert.All(host.Guests, g => Assert.Equal(2, g.Version));
        Assert.All(host.Guests, g => Assert.True(g.Apcb.Apm.IsEmpty));
        // Per scan: the events, and one ApplyApcbs for the host's three guests and one ApcbsApplied back.
        Assert.Equal(2 * (26 + 2), ExpectedHost.TimedMessages(options, BusEventForm.PerQueue, HotPlugMode.Batched));
    }

    [Fact]
    public void Should_count_one_message_of_runs_per_scan_s_probes_when_the_events_are_grouped()
    {
        var options = LoadOptions.Parse(["--adapters", "4", "--domains", "6", "--guests", "3", "--scans", "2"]);
        var host = new ExpectedHost(options, HotPlugMode.Batched, BusEventForm.Grouped);

        // Config changed, one message of the 4 adapters' runs of 6 probes, scan complete; the guests' updates are the same as per queue.
        Assert.Equal(3, host.Scan(options.ConfigOfScan(0)));
        Assert.All(host.Guests, g => Assert.Equal(1, g.Version));
        Assert.Equal(3, host.Scan(options.ConfigOfScan(1)));
        Assert.All(host.Guests, g => Assert.Equal(2, g.Version));
        Assert.Equal(6, host.Events);
        Assert.Equal(2 * (3 + 2), ExpectedHost.TimedMessages(options, BusEventForm.Grouped, HotPlugMode.Batched));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 2)]
    [InlineData(ApplyApcbs.MaxGuests, 2)]
    [InlineData(ApplyApcbs.MaxGuests + 1, 4)]
    public void Should_count_a_message_each_way_per_host_s_updates_up_to_the_size_limit(long updates, long messages)
    {
        Assert.Equal(messages, ExpectedHost.GuestMessages(updates));
    }

    [Theory]
    [InlineData(BusEventForm.PerQueue, 1 + 65_536 + 1)]
    [InlineData(BusEventForm.Grouped, 1 + 1 + 1)]
    public void Should_predict_the_messages_of_a_full_scale_scan_in_each_form(BusEventForm form, long messages)
    {
        var options = LoadOptions.Parse(["--adapters", "256", "--domains", "256", "--guests", "1"]);
        var host = new ExpectedHost(options, HotPlugMode.Batched, form);

        Assert.Equal(messages, host.Scan(options.ConfigOfScan(0)));
        Assert.Equal(messages, host.Scan(options.ConfigOfScan(1)));
    }
}
