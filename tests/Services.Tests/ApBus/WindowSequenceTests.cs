using Apmatrix.ApBus.Messaging;
using Apmatrix.ApBus.Persistence;
using Apmatrix.ApModel;
using Apmatrix.Contracts;

namespace Apmatrix.Services.Tests.ApBus;

/// <summary>
/// What a host row keeps of its open window for VfioAp's reconcile: the sequence of the config changed that opened it,
/// through queue events and mask changes inside it, replaced by a second config changed, none once a scan complete
/// closes it (a full scan opens and closes its own in one operation), in both event forms.
/// </summary>
public class WindowSequenceTests
{
    static Bitmap256 Ids(string rangeList) => Bitmap256.ParseRangeList(rangeList);
    static ApConfig Config(string apm, string aqm) => new(Ids(apm), Ids(aqm), Bitmap256.Empty);

    /// <summary>One operation on the row as HostStore runs it: the bus and recorder from the row, saved back.</summary>
    static IReadOnlyList<IBusEvent> Run(HostRecord host, Action<HostBus, BusEventRecorder> operation)
    {
        var (bus, recorder) = (host.ToBus(), host.Recorder());
        operation(bus, recorder);
        host.Save(bus, recorder);
        return recorder.Messages;
    }

    static long OpenedAt(IReadOnlyList<IBusEvent> messages) => messages.OfType<ConfigChanged>().Single().Sequence;

    [Theory]
    [InlineData(BusEventForm.Grouped)]
    [InlineData(BusEventForm.PerQueue)]
    public void Should_keep_the_sequence_of_the_config_changed_that_opened_the_window_while_it_is_open(BusEventForm form)
    {
        var host = new HostRecord { Id = "h1", EventForm = form };
        Run(host, (bus, events) =>
        {
            bus.SetPermissions(new ApPermissions(Ids("6"), Ids("4")), events);
            bus.Scan(Config("4-6", "4-5"), events);
        });
        Assert.Null(host.WindowSequence);

        var opened = OpenedAt(Run(host, (bus, events) => bus.ChangeConfig(Config("4-7", "4-5"), events)));
        Assert.Equal(opened, host.WindowSequence);
        Run(host, (bus, events) =>
        {
            bus.Probe(Apqn.Parse("07.0004"), events);
            bus.Probe(Apqn.Parse("07.0005"), events);
        });
        Run(host, (bus, events) => bus.SetPermissions(new ApPermissions(Ids("5"), Ids("4")), events));
        Assert.Equal(opened, host.WindowSequence);

        var reopened = Run(host, (bus, events) =>
        {
            bus.Remove(Apqn.Parse("07.0004"), events);
            bus.ChangeConfig(Config("4-8", "4-5"), events);
        });
        Assert.Equal(OpenedAt(reopened), host.WindowSequence);
        // The config changed was the change's last event.
        Assert.Equal(host.LastSequence, host.WindowSequence);
        Assert.True(host.WindowSequence > opened);

        Run(host, (bus, events) => bus.Scan(Config("4-8", "4"), events));
        Assert.Null(host.WindowSequence);
        Run(host, (bus, events) => bus.ChangeConfig(Config("4", "4"), events));
        Run(host, (bus, events) => bus.CompleteScan(events));
        Assert.Null(host.WindowSequence);
    }
}
