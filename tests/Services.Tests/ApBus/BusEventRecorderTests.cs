using Apmatrix.ApBus.Messaging;
using Apmatrix.ApModel;
using Apmatrix.Contracts;

namespace Apmatrix.Services.Tests.ApBus;

/// <summary>
/// What one operation on host h1 sends in each event form: the scan of adapters 4-5 and domains 4-5 from the empty
/// configuration, with the host's next sequence at 7.
/// </summary>
public class BusEventRecorderTests
{
    static Bitmap256 Ids(string rangeList) => Bitmap256.ParseRangeList(rangeList);

    static readonly ApConfig Empty = new(Bitmap256.Empty, Bitmap256.Empty, Bitmap256.Empty);
    static readonly ApConfig Scanned = new(Ids("4-5"), Ids("4-5"), Ids("4"));

    static BusEventRecorder FirstScan(BusEventForm form)
    {
        var recorder = new BusEventRecorder("h1", 7, null, form);
        new HostBus(Empty, ApPermissions.None).Scan(Scanned, recorder);
        return recorder;
    }

    /// <summary>The bus after the first scan, sequences 1-4 in the grouped form.</summary>
    static HostBus ScannedBus()
    {
        var bus = new HostBus(Empty, ApPermissions.None);
        bus.Scan(Scanned, new BusEventRecorder("h1", 1, null, BusEventForm.Grouped));
        return bus;
    }

    static string Shape(IBusEvent e) => e switch
    {
        QueuesProbed p => $"{e.Sequence} probed {Runs(p.Runs.Select(r => (r.First, r.Last)))}",
        QueuesRemoved r => $"{e.Sequence} removed {Runs(r.Runs.Select(r => (r.First, r.Last)))}",
        QueueProbed p => $"{e.Sequence} probed {p.Apqn}",
        QueueRemoved r => $"{e.Sequence} removed {r.Apqn}",
        _ => $"{e.Sequence} {e.GetType().Name}",
    };

    static string Runs(IEnumerable<(string First, string Last)> runs) =>
        string.Join(",", runs.Select(r => r.First == r.Last ? r.First : $"{r.First}-{r.Last}"));

    [Fact]
    public void Should_send_one_message_per_queue_event_in_the_per_queue_form()
    {
        var recorder = FirstScan(BusEventForm.PerQueue);

        Assert.Equal(["7 ConfigChanged", "8 probed 04.0004", "9 probed 04.0005", "10 probed 05.0004", "11 probed 05.0005", "12 ScanComplete"],
            recorder.Messages.Select(Shape));
        Assert.Equal(13, recorder.NextSequence);
    }

    [Fact]
    public void Should_send_a_scan_s_probes_as_runs_in_one_message_in_the_grouped_form()
    {
        var recorder = FirstScan(BusEventForm.Grouped);

        Assert.Equal(["7 ConfigChanged", "8 probed 04.0004-04.0005,05.0004-05.0005", "9 ScanComplete"], recorder.Messages.Select(Shape));
        var scan = Assert.IsType<ConfigChanged>(recorder.Messages[0]).ScanId;
        Assert.All(recorder.Messages.OfType<QueuesProbed>(), p => Assert.Equal(scan, p.ScanId));
        Assert.All(recorder.Messages.OfType<QueuesProbed>().SelectMany(p => p.Runs), q => Assert.Equal(BoundDriver.VfioAp, q.Driver));
        Assert.Equal(10, recorder.NextSequence);
    }

    [Fact]
    public void Should_send_in_the_grouped_form_the_groups_of_what_the_per_queue_form_sends()
    {
        var grouped = FirstScan(BusEventForm.Grouped);
        var perQueue = FirstScan(BusEventForm.PerQueue);

        Assert.Equal(BusEventGroups.Group(perQueue.Messages).Select(Shape), grouped.Messages.Select(Shape));
        Assert.Equal(7 + grouped.Messages.Count, grouped.NextSequence);
    }

    [Fact]
    public void Should_group_a_mask_change_s_moves_outside_any_scan()
    {
        var bus = ScannedBus();
        var recorder = new BusEventRecorder("h1", 5, null, BusEventForm.Grouped);

        bus.SetPermissions(new ApPermissions(Ids("5"), Ids("4-5")), recorder);

        Assert.Equal(["5 BusMasksChanged", "6 removed 05.0004-05.0005", "7 probed 05.0004-05.0005"], recorder.Messages.Select(Shape));
        Assert.All(recorder.Messages.OfType<QueuesRemoved>().SelectMany(r => r.Runs), q => Assert.Equal(RemovalReason.MaskChange, q.Reason));
        Assert.All(recorder.Messages.OfType<QueuesProbed>().SelectMany(p => p.Runs), q => Assert.Equal(BoundDriver.Default, q.Driver));
        Assert.Null(Assert.IsType<QueuesRemoved>(recorder.Messages[1]).ScanId);
        Assert.Equal(8, recorder.NextSequence);
    }

    [Fact]
    public void Should_group_each_operation_on_its_own()
    {
        var bus = ScannedBus();
        var window = new BusEventRecorder("h1", 5, null, BusEventForm.Grouped);
        bus.ChangeConfig(Scanned with { Apm = Ids("4-6") }, window);

        var first = new BusEventRecorder("h1", window.NextSequence, window.OpenScanId, BusEventForm.Grouped);
        bus.Probe(Apqn.Parse("06.0004"), first);
        var second = new BusEventRecorder("h1", first.NextSequence, first.OpenScanId, BusEventForm.Grouped);
        bus.Probe(Apqn.Parse("06.0005"), second);

        Assert.Equal(["6 probed 06.0004"], first.Messages.Select(Shape));
        Assert.Equal(["7 probed 06.0005"], second.Messages.Select(Shape));
        Assert.Equal(window.OpenScanId, Assert.IsType<QueuesProbed>(second.Messages[0]).ScanId);
        Assert.Equal(8, second.NextSequence);
    }

    [Fact]
    public void Should_keep_the_next_sequence_when_nothing_happened()
    {
        var bus = ScannedBus();
        var recorder = new BusEventRecorder("h1", 5, null, BusEventForm.Grouped);

        bus.Probe(Apqn.Parse("04.0004"), recorder);

        Assert.Empty(recorder.Messages);
        Assert.Equal(5, recorder.NextSequence);
    }
}
