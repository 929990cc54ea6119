using Apmatrix.ApModel;

namespace Apmatrix.Contracts.Tests;

/// <summary>The grouped form: one message per run of one adapter's probes or removals, in order, numbered again.</summary>
public class BusEventGroupsTests
{
    static readonly Guid Scan = Guid.Parse("6f1c1d2e-0000-4000-8000-00000000a001");
    static readonly ApConfigInfo Empty = ApConfigInfo.From(new ApConfig(default, default, default));

    [Fact]
    public void Should_group_a_scan_by_adapter_and_kind_and_number_the_messages_from_the_first()
    {
        IBusEvent[] scan =
        [
            new ConfigChanged("h1", 10, Scan, Empty, Empty),
            new QueueRemoved("h1", 11, Scan, "03.0001", BoundDriver.VfioAp, RemovalReason.ConfigRemoved),
            new QueueProbed("h1", 12, Scan, "04.0001", BoundDriver.VfioAp),
            new QueueProbed("h1", 13, Scan, "04.0002", BoundDriver.Default),
            new QueueProbed("h1", 14, Scan, "05.0001", BoundDriver.VfioAp),
            new ScanComplete("h1", 15, Scan, Empty, Empty),
        ];

        var grouped = BusEventGroups.Group(scan);

        Assert.Equal(
        [
            new ConfigChanged("h1", 10, Scan, Empty, Empty),
            new QueuesRemoved("h1", 11, Scan, [new("03.0001", BoundDriver.VfioAp, RemovalReason.ConfigRemoved)]),
            new QueuesProbed("h1", 12, Scan, [new("04.0001", BoundDriver.VfioAp), new("04.0002", BoundDriver.Default)]),
            new QueuesProbed("h1", 13, Scan, [new("05.0001", BoundDriver.VfioAp)]),
            new ScanComplete("h1", 14, Scan, Empty, Empty),
        ], grouped);
    }

    [Fact]
    public void Should_never_merge_across_kinds_scans_or_other_events()
    {
        IBusEvent[] events =
        [
            new QueueRemoved("h1", 1, null, "04.0001", BoundDriver.Default, RemovalReason.MaskChange),
            new QueueProbed("h1", 2, null, "04.0001", BoundDriver.VfioAp),
            new QueueRemoved("h1", 3, null, "04.0002", BoundDriver.Default, RemovalReason.MaskChange),
            new QueueProbed("h1", 4, Scan, "04.0003", BoundDriver.VfioAp),
            new BusMasksChanged("h1", 5, "0x00", "0x00"),
            new QueueProbed("h1", 6, Scan, "04.0004", BoundDriver.VfioAp),
        ];

        var grouped = BusEventGroups.Group(events);

        Assert.Equal(events.Length, grouped.Count);
        Assert.Equal([1L, 2, 3, 4, 5, 6], grouped.Select(e => e.Sequence));
    }

    [Fact]
    public void Should_hold_a_full_adapter_in_one_message()
    {
        var probes = Enumerable.Range(0, 256).Select(d => (IBusEvent)new QueueProbed("h1", 2 + d, Scan, new Apqn(7, d).ToString(), BoundDriver.VfioAp)).ToList();

        var single = Assert.IsType<QueuesProbed>(Assert.Single(BusEventGroups.Group(probes)));

        Assert.Equal(2, single.Sequence);
        Assert.Equal(probes.Cast<QueueProbed>().Select(p => p.Apqn), single.Queues.Select(q => q.Apqn));
    }
}
