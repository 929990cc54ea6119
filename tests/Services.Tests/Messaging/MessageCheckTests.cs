using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.GuestVm.Messaging;
using Apmatrix.VfioAp.Messaging;
using Apmatrix.VfioAp.Persistence;

namespace Apmatrix.Services.Tests.Messaging;

/// <summary>The checks that send a malformed message alone to its error queue, before it can join a batch.</summary>
public class MessageCheckTests
{
    static readonly ApConfigInfo Config = new("0x40", "0x40", "0x80", 255, 255);

    [Fact]
    public void A_readable_bus_event_passes()
    {
        PendingBusEvent.Check(new QueueProbed("h1", 3, null, "01.0002", BoundDriver.VfioAp));
        PendingBusEvent.Check(new ConfigChanged("h1", 1, Guid.NewGuid(), Config, Config));
    }

    [Theory]
    [InlineData("", 1, "01.0002")]
    [InlineData("h1", 0, "01.0002")]
    [InlineData("h1", 1, "1x2")]
    [InlineData("h 1", 1, "01.0002")]
    [InlineData("h\u00001", 1, "01.0002")]
    public void A_bus_event_the_engine_cannot_read_throws(string host, long sequence, string apqn) =>
        Assert.Throws<FormatException>(() => PendingBusEvent.Check(new QueueRemoved(host, sequence, null, apqn, BoundDriver.VfioAp, RemovalReason.Unbind)));

    [Fact]
    public void A_readable_grouped_bus_event_passes()
    {
        PendingBusEvent.Check(new QueuesProbed("h1", 3, null, [new("01.0002", "01.0002", BoundDriver.VfioAp), new("01.0003", "03.0001", BoundDriver.Default)]));
        PendingBusEvent.Check(new QueuesRemoved("h1", 3, null, [new("00.0000", "ff.00ff", BoundDriver.VfioAp, RemovalReason.ConfigRemoved)]));
        PendingBusEvent.Check(new QueuesProbed("h1", 3, null,
            Enumerable.Range(0, ApqnRuns.MaxRuns).Select(i => new ProbedRun(Apqn.FromValue(2 * i).ToString(), Apqn.FromValue(2 * i).ToString(), BoundDriver.VfioAp)).ToList()));
    }

    [Fact]
    public void A_grouped_bus_event_the_engine_cannot_read_names_its_problem()
    {
        static string Problem(IBusEvent message) => Assert.Throws<FormatException>(() => PendingBusEvent.Check(message)).Message;
        var tooMany = Enumerable.Range(0, ApqnRuns.MaxRuns + 1).Select(i => new ProbedRun(Apqn.FromValue(i).ToString(), Apqn.FromValue(i).ToString(), BoundDriver.VfioAp)).ToList();
        var twiceEvery = new ProbedRun[] { new("00.0000", "ff.00ff", BoundDriver.VfioAp), new("00.0000", "00.0000", BoundDriver.Default) };

        Assert.Equal("host h1: QueuesProbed #3 carries no queues", Problem(new QueuesProbed("h1", 3, null, [])));
        Assert.Equal("host h1: QueuesRemoved #3 carries no queues", Problem(new QueuesRemoved("h1", 3, null, null!)));
        Assert.Equal("host h1: QueuesProbed #3 carries 1025 runs, more than 1024", Problem(new QueuesProbed("h1", 3, null, tooMany)));
        Assert.Equal("host h1: QueuesProbed #3 carries 65537 queues, more than 65536", Problem(new QueuesProbed("h1", 3, null, twiceEvery)));
        Assert.Equal("host h1: run 2 of QueuesProbed #3: '1x2' is not an APQN",
            Problem(new QueuesProbed("h1", 3, null, [new("01.0002", "01.0002", BoundDriver.VfioAp), new("01.0003", "1x2", BoundDriver.VfioAp)])));
        Assert.Equal("host h1: run 1 of QueuesProbed #3: 01.0002 comes before 01.0003",
            Problem(new QueuesProbed("h1", 3, null, [new("01.0003", "01.0002", BoundDriver.VfioAp)])));
        Assert.Equal("host h1: run 1 of QueuesRemoved #3: '' is not an APQN",
            Problem(new QueuesRemoved("h1", 3, null, [null!])));
        Assert.Equal($"bus event: 'h 1' breaks the rule for host names: {Names.Rule}",
            Problem(new QueuesRemoved("h 1", 3, null, [new("01.0002", "01.0002", BoundDriver.VfioAp, RemovalReason.Unbind)])));
        Assert.Equal("host h1: sequence 0 is not positive", Problem(new QueuesProbed("h1", 0, null, [new("01.0002", "01.0002", BoundDriver.VfioAp)])));
    }

    [Fact]
    public void A_config_change_with_a_bad_mask_throws() =>
        Assert.Throws<FormatException>(() => PendingBusEvent.Check(new ConfigChanged("h1", 1, Guid.NewGuid(), Config with { Apm = "zz" }, Config)));

    static ApplyApcbs Commands(string host, params GuestApcb[] guests) => new(host, guests);

    static GuestApcb Command(string guest = "g1", long version = 1, string aqm = "0x40", string? mdev = null) => new(guest, version, "0x40", aqm, "0x00", mdev);

    [Fact]
    public void An_apply_apcbs_names_its_problem_and_the_update_it_is_in()
    {
        Assert.Null(ApplyApcbsCheck.Problem(Commands("h1", Command(mdev: "m1"), Command("g2", 4))));
        Assert.Equal("update 2: version 0 is below 1", ApplyApcbsCheck.Problem(Commands("h1", Command(), Command(version: 0))));
        Assert.Equal("update 1: it is null", ApplyApcbsCheck.Problem(Commands("h1", [null!])));
        Assert.Equal($"it must carry 1 to {ApplyApcbs.MaxGuests} updates, not 0", ApplyApcbsCheck.Problem(Commands("h1")));
        Assert.Equal($"it must carry 1 to {ApplyApcbs.MaxGuests} updates, not 0", ApplyApcbsCheck.Problem(new ApplyApcbs("h1", null!)));
        Assert.Equal($"it must carry 1 to {ApplyApcbs.MaxGuests} updates, not {ApplyApcbs.MaxGuests + 1}",
            ApplyApcbsCheck.Problem(Commands("h1", [.. Enumerable.Range(1, ApplyApcbs.MaxGuests + 1).Select(i => Command($"g{i}"))])));
        Assert.Throws<FormatException>(() => ApplyApcbsCheck.Check(Commands("h1", Command(aqm: "nope"))));
    }

    [Fact]
    public void A_host_name_outside_the_name_rule_throws()
    {
        PendingBusEvent.Check(new QueueProbed(new string('h', Names.MaxLength), 1, null, "01.0002", BoundDriver.VfioAp));
        Assert.Throws<FormatException>(() => PendingBusEvent.Check(new QueueProbed(new string('h', Names.MaxLength + 1), 1, null, "01.0002", BoundDriver.VfioAp)));
        Assert.Throws<FormatException>(() => PendingBusEvent.Check(new QueueProbed("a/b", 1, null, "01.0002", BoundDriver.VfioAp)));
    }

    [Fact]
    public void An_apply_apcbs_with_ids_no_table_would_take_names_its_problem()
    {
        var tooLong = ApplyApcbsCheck.Problem(Commands(new string('h', 5000), Command()));
        Assert.Equal($"'{new string('h', InputText.Shown)}'... (5000 characters) breaks the rule for host names: {Names.Rule}", tooLong);
        Assert.Equal("update 1: guest name is required", ApplyApcbsCheck.Problem(Commands("h1", Command(""))));
        Assert.Equal($"update 1: 'm\\u00001' breaks the rule for mdev names: {Names.Rule}", ApplyApcbsCheck.Problem(Commands("h1", Command(mdev: "m\u00001"))));
    }

    [Fact]
    public void An_acknowledgement_that_matches_no_update_names_its_problem()
    {
        Assert.Null(ApcbsAppliedCheck.Problem(new ApcbsApplied("h1", [new("g1", 1, false, 0), new("g2", 2, true, 0)])));
        Assert.Equal("acknowledgement 2: version 0 is below 1", ApcbsAppliedCheck.Problem(new ApcbsApplied("h1", [new("g1", 1, false, 0), new("g1", 0, false, 0)])));
        Assert.Equal($"acknowledgement 1: 'g 1' breaks the rule for guest names: {Names.Rule}", ApcbsAppliedCheck.Problem(new ApcbsApplied("h1", [new("g 1", 3, false, 0)])));
        Assert.Equal($"it must carry 1 to {ApplyApcbs.MaxGuests} acknowledgements, not 0", ApcbsAppliedCheck.Problem(new ApcbsApplied("h1", [])));
        Assert.Throws<FormatException>(() => ApcbsAppliedCheck.Check(new ApcbsApplied(new string('h', 200), [new("g1", 3, false, 0)])));
    }
}
