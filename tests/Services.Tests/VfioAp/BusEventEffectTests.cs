using Apmatrix.ApBus.Messaging;
using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Engine;
using Apmatrix.VfioAp.Messaging;
using Apmatrix.VfioAp.Persistence;

namespace Apmatrix.Services.Tests.VfioAp;

/// <summary>What the metrics learn from applying bus events and from a host's guest updates, without I/O.</summary>
public class BusEventEffectTests
{
    static Bitmap256 Ids(params int[] ids) => ids.Aggregate(Bitmap256.Empty, (set, id) => set.With(id));

    /// <summary>Scenario 01: m1 holds adapters 4-5 x domain 4 for g1; the host gains adapter 5, so the probe of (5,4) waits for scan complete.</summary>
    [Theory]
    [InlineData(BusEventForm.Grouped)]
    [InlineData(BusEventForm.PerQueue)]
    public void A_probe_of_an_mdev_being_added_to_is_deferred_and_its_scan_plugs_it(BusEventForm form)
    {
        var before = new ApConfig(Ids(4), Ids(4, 5), Ids(4));
        var bus = new HostBus(new ApConfig(Ids(), Ids(), Ids()), ApPermissions.None);
        var setUp = new BusEventRecorder("h1", 1, null, form);
        bus.Scan(before, setUp);
        var engine = new VfioApEngine(new ApConfig(Ids(), Ids(), Ids()));
        engine.CreateMdev("m1");
        engine.SetMatrix("m1", new ApMatrix(Ids(4, 5), Ids(4), Ids(4)));
        engine.Attach("m1", "g1");
        foreach (var e in setUp.Messages) BusEventOperations.Apply(engine, PendingBusEvent.From(e));
        var stored = engine.FindGuest("g1")!.Apcb;
        engine.ClearUpdates();

        var step = new BusEventRecorder("h1", setUp.NextSequence, null, form);
        bus.Scan(before with { Apm = Ids(4, 5) }, step);
        var effects = step.Messages.Select(e => BusEventOperations.Apply(engine, PendingBusEvent.From(e))).ToList();

        Assert.Equal(1, effects.Sum(e => e.DeferredProbes));
        Assert.Equal(2, effects.Sum(e => e.Queues));
        Assert.Equal(new HotPlugs(1, 1), HotPlugs.Count(_ => stored, engine.DrainUpdates()));
    }

    [Fact]
    public void Each_update_is_measured_against_the_one_before_it()
    {
        var updates = new GuestApcbUpdate[]
        {
            new("g1", 1, new ApMatrix(Ids(4), Ids(4), Ids(4)), "m1"),
            new("g1", 2, new ApMatrix(Ids(4, 5), Ids(4, 6), Ids(4)), "m1"),
            new("g1", 3, new ApMatrix(Ids(4), Ids(4, 6), Ids(4)), "m1"),
            new("g2", 1, new ApMatrix(Ids(1), Ids(1), Ids(1)), "m2"),
        };
        var stored = new Dictionary<string, ApMatrix> { ["g2"] = new(Ids(1), Ids(1), Ids()) };

        // g1: 1 queue, then 4 - 1 = 3, then none (an unplug); g2 gains only a control domain, no queue.
        Assert.Equal(new HotPlugs(2, 4), HotPlugs.Count(g => stored.GetValueOrDefault(g, ApMatrix.Empty), updates));
    }

    [Fact]
    public void Every_stored_kind_has_a_label()
    {
        var labels = Enum.GetValues<BusEventKind>().Select(VfioApMetrics.KindLabel).ToList();
        Assert.Equal(labels.Count, labels.Distinct().Count());
        Assert.Contains("queues-probed", labels);
    }
}
