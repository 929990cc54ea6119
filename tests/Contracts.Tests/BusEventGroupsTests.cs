using Apmatrix.ApModel;

namespace Apmatrix.Contracts.Tests;

/// <summary>The grouped form: one message per stretch of a scan's probes or removals, as runs of consecutive APQNs, numbered again.</summary>
public class BusEventGroupsTests
{
    static readonly Guid Scan = Guid.Parse("6f1c1d2e-0000-4000-8000-00000000a001");
    static readonly ApConfigInfo Empty = ApConfigInfo.From(new ApConfig(default, default, default));

    static QueueProbed Probe(long sequence, int apqn, BoundDriver driver = BoundDriver.VfioAp, Guid? scan = null) =>
        new("h1", sequence, scan ?? Scan, Apqn.FromValue(apqn).ToString(), driver);

    /// <summary>The per-queue events a grouped message stands for, without their sequence numbers.</summary>
    static IEnumerable<string> Expanded(IBusEvent e) => e switch
    {
        QueuesProbed p => p.Runs.SelectMany(r => Each(r.First, r.Last).Select(a => $"probed {a} {r.Driver} {p.ScanId}")),
        QueuesRemoved m => m.Runs.SelectMany(r => Each(r.First, r.Last).Select(a => $"removed {a} {r.Driver} {r.Reason} {m.ScanId}")),
        QueueProbed p => [$"probed {p.Apqn} {p.Driver} {p.ScanId}"],
        QueueRemoved r => [$"removed {r.Apqn} {r.Driver} {r.Reason} {r.ScanId}"],
        _ => [e.GetType().Name],
    };

    static IEnumerable<Apqn> Each(string first, string last)
    {
        Assert.Null(ApqnRuns.TryRead(first, last, out var from, out var to));
        return ApqnRuns.Each(from, to);
    }

    static void AssertStandsFor(IReadOnlyList<IBusEvent> events, IReadOnlyList<IBusEvent> grouped)
    {
        Assert.Equal(events.SelectMany(Expanded), grouped.SelectMany(Expanded));
        Assert.Equal(Enumerable.Range(0, grouped.Count).Select(i => events[0].Sequence + i), grouped.Select(e => e.Sequence));
    }

    [Fact]
    public void Should_group_a_scan_s_stretches_of_one_kind_into_runs_and_number_the_messages_from_the_first()
    {
        IBusEvent[] scan =
        [
            new ConfigChanged("h1", 10, Scan, Empty, Empty),
            new QueueRemoved("h1", 11, Scan, "03.0001", BoundDriver.VfioAp, RemovalReason.ConfigRemoved),
            new QueueProbed("h1", 12, Scan, "04.0001", BoundDriver.VfioAp),
            new QueueProbed("h1", 13, Scan, "04.0002", BoundDriver.Default),
            new QueueProbed("h1", 14, Scan, "05.0001", BoundDriver.VfioAp),
            new QueueProbed("h1", 15, Scan, "05.0002", BoundDriver.VfioAp),
            new ScanComplete("h1", 16, Scan, Empty, Empty),
        ];

        var grouped = BusEventGroups.Group(scan);

        Assert.Equal(
        [
            new ConfigChanged("h1", 10, Scan, Empty, Empty),
            new QueuesRemoved("h1", 11, Scan, [new("03.0001", "03.0001", BoundDriver.VfioAp, RemovalReason.ConfigRemoved)]),
            new QueuesProbed("h1", 12, Scan,
                [new("04.0001", "04.0001", BoundDriver.VfioAp), new("04.0002", "04.0002", BoundDriver.Default), new("05.0001", "05.0002", BoundDriver.VfioAp)]),
            new ScanComplete("h1", 13, Scan, Empty, Empty),
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
        AssertStandsFor(events, grouped);
    }

    [Fact]
    public void Should_hold_a_full_scan_of_one_driver_in_one_run_across_adapters()
    {
        var probes = Enumerable.Range(0, ApqnRuns.MaxQueues).Select(v => (IBusEvent)Probe(2 + v, v)).ToList();

        var single = Assert.IsType<QueuesProbed>(Assert.Single(BusEventGroups.Group(probes)));

        Assert.Equal([new ProbedRun("00.0000", "ff.00ff", BoundDriver.VfioAp)], single.Runs);
        Assert.Equal(2, single.Sequence);
    }

    [Fact]
    public void Should_start_a_run_where_the_apqns_skip_turn_back_or_change_driver_or_reason()
    {
        IBusEvent[] probes = [Probe(1, 0x05fe), Probe(2, 0x05ff), Probe(3, 0x0600), Probe(4, 0x0602), Probe(5, 0x0601), Probe(6, 0x0602, BoundDriver.Default)];
        IBusEvent[] removals =
        [
            new QueueRemoved("h1", 7, null, "07.0001", BoundDriver.VfioAp, RemovalReason.Unbind),
            new QueueRemoved("h1", 8, null, "07.0002", BoundDriver.VfioAp, RemovalReason.ConfigRemoved),
        ];

        var grouped = BusEventGroups.Group([.. probes, .. removals]);

        Assert.Equal(["05.00fe-06.0000", "06.0002", "06.0001", "06.0002"],
            Assert.IsType<QueuesProbed>(grouped[0]).Runs.Select(r => r.First == r.Last ? r.First : $"{r.First}-{r.Last}"));
        Assert.Equal(2, Assert.IsType<QueuesRemoved>(grouped[1]).Runs.Count);
        AssertStandsFor([.. probes, .. removals], grouped);
    }

    [Fact]
    public void Should_start_a_message_when_one_holds_the_most_runs_or_queues_it_may()
    {
        var scattered = Enumerable.Range(0, 2 * ApqnRuns.MaxRuns + 1).Select(i => (IBusEvent)Probe(1 + i, 2 * i)).ToList();
        var twice = Enumerable.Range(0, ApqnRuns.MaxQueues + 1).Select(i => (IBusEvent)Probe(1 + i, i % ApqnRuns.MaxQueues)).ToList();

        var byRuns = BusEventGroups.Group(scattered);
        var byQueues = BusEventGroups.Group(twice);

        Assert.Equal([ApqnRuns.MaxRuns, ApqnRuns.MaxRuns, 1], byRuns.Cast<QueuesProbed>().Select(p => p.Runs.Count));
        AssertStandsFor(scattered, byRuns);
        Assert.Equal([[new ProbedRun("00.0000", "ff.00ff", BoundDriver.VfioAp)], [new ProbedRun("00.0000", "00.0000", BoundDriver.VfioAp)]],
            byQueues.Cast<QueuesProbed>().Select(p => p.Runs));
        AssertStandsFor(twice, byQueues);
    }

    [Fact]
    public void Should_stand_for_random_events_in_their_order()
    {
        var random = new Random(20261201);
        for (var trial = 0; trial < 200; trial++)
        {
            var scans = new Guid?[] { null, Scan, Guid.NewGuid() };
            var events = new List<IBusEvent>();
            var apqn = random.Next(0x10000);
            var count = random.Next(1, 60);
            for (var i = 0; i < count; i++)
            {
                // Mostly the next APQN, as a scan goes; sometimes a jump, another scan, driver, reason or kind.
                apqn = random.Next(4) == 0 ? random.Next(0x10000) : (apqn + 1) % 0x10000;
                var scan = scans[random.Next(8) == 0 ? random.Next(3) : 1];
                var driver = random.Next(6) == 0 ? BoundDriver.Default : BoundDriver.VfioAp;
                var sequence = 1 + i;
                events.Add(random.Next(10) switch
                {
                    0 => new ScanComplete("h1", sequence, Scan, Empty, Empty),
                    < 4 => new QueueRemoved("h1", sequence, scan, Apqn.FromValue(apqn).ToString(), driver,
                        random.Next(3) == 0 ? RemovalReason.Unbind : RemovalReason.ConfigRemoved),
                    _ => Probe(sequence, apqn, driver, scan),
                });
            }

            AssertStandsFor(events, BusEventGroups.Group(events));
        }
    }
}
