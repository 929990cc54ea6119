using System.Text.Json;
using System.Text.RegularExpressions;
using Apmatrix.ApBus.Messaging;
using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Engine;
using Apmatrix.VfioAp.Messaging;
using Apmatrix.VfioAp.Persistence;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Apmatrix.Services.Tests.VfioAp;

/// <summary>
/// A grouped bus event is the per-queue events it stands for: ApBus's own bus model makes the events of random runs on a
/// host with ids 0..7 (mdev m1 on adapters 0-3 for guest g1, m2 on 4-7 for g2), and an engine fed them one by one ends
/// where one fed their grouped form does, having asked for the same guest updates.
/// </summary>
public class GroupedBusEventTests
{
    const int Ids = 8;

    /// <summary>One thing the bus does: 0 scan to a new configuration, 1 new masks, 2 probe one queue, 3 remove one.</summary>
    public sealed record BusStep(int Kind, int A, int B, int C);

    public sealed record BusRun(HotPlugMode Mode, int Apm, int Aqm, int Adm, int M1Domains, int M2Domains, IReadOnlyList<BusStep> Steps)
    {
        public override string ToString() =>
            $"{Mode} host {Apm:x2}/{Aqm:x2}/{Adm:x2} m1 {M1Domains:x2} m2 {M2Domains:x2}: {string.Join(", ", Steps)}";
    }

    static Bitmap256 Low(int bits)
    {
        var set = Bitmap256.Empty;
        for (var id = 0; id < Ids; id++)
            if ((bits & (1 << id)) != 0) set = set.With(id);
        return set;
    }

    static readonly Gen<int> Bits = Gen.Choose(0, 255);

    static readonly Gen<BusStep> Step =
        from kind in Gen.Frequency((3, Gen.Constant(0)), (1, Gen.Constant(1)), (2, Gen.Constant(2)), (2, Gen.Constant(3)))
        from a in Bits
        from b in Bits
        from c in Bits
        select new BusStep(kind, a, b, c);

    static readonly Gen<BusRun> Run =
        from mode in Gen.Elements(HotPlugMode.Batched, HotPlugMode.PerQueue)
        from apm in Bits
        from aqm in Bits
        from adm in Bits
        from m1 in Bits
        from m2 in Bits
        from steps in Gen.Choose(1, 12).SelectMany(n => Step.ListOf(n))
        select new BusRun(mode, apm, aqm, adm, m1, m2, steps.ToList());

    static IReadOnlyList<IBusEvent> EventsOf(BusRun run, BusEventForm form = BusEventForm.PerQueue)
    {
        var host = new ApConfig(Low(run.Apm), Low(run.Aqm), Low(run.Adm));
        var bus = new HostBus(host, ApPermissions.None);
        var recorder = new BusEventRecorder("h1", 1, null, form);
        bus.Scan(host, recorder);
        foreach (var step in run.Steps)
        {
            switch (step.Kind)
            {
                case 0:
                    bus.Scan(new ApConfig(Low(step.A), Low(step.B), Low(step.C)), recorder);
                    break;
                case 1:
                    bus.SetPermissions(new ApPermissions(Low(step.A & step.B), Low(step.B & step.C)), recorder);
                    break;
                case 2:
                    bus.Probe(new Apqn(step.A % Ids, step.B % Ids), recorder);
                    break;
                default:
                    bus.Remove(new Apqn(step.A % Ids, step.B % Ids), recorder);
                    break;
            }
        }
        return recorder.Messages;
    }

    static VfioApEngine EngineFor(HotPlugMode mode, ApConfig host, ApMatrix m1, ApMatrix m2)
    {
        var engine = new VfioApEngine(host, ApPermissions.None, mode);
        engine.CreateMdev("m1");
        engine.SetMatrix("m1", m1);
        engine.Attach("m1", "g1");
        engine.CreateMdev("m2");
        engine.SetMatrix("m2", m2);
        engine.Attach("m2", "g2");
        engine.ClearUpdates();
        return engine;
    }

    static (EngineState State, GuestApcbUpdate[] Updates) Applied(VfioApEngine engine, IEnumerable<IBusEvent> events)
    {
        foreach (var e in events) BusEventOperations.Apply(engine, PendingBusEvent.From(e));
        return (engine.Capture(), engine.DrainUpdates());
    }

    static void AssertSameAsPerQueue(IReadOnlyList<IBusEvent> events, Func<VfioApEngine> engine)
    {
        var grouped = BusEventGroups.Group(events);
        var (perQueueState, perQueueUpdates) = Applied(engine(), events);
        var (groupedState, groupedUpdates) = Applied(engine(), grouped);

        Assert.True(groupedState.SameAs(perQueueState), "the grouped events left the engine elsewhere");
        Assert.Equal(perQueueUpdates, groupedUpdates);
    }

    [Property(MaxTest = 200)]
    public Property Grouped_events_leave_the_engine_as_their_per_queue_events_do() => Prop.ForAll(Run.ToArbitrary(), run =>
        AssertSameAsPerQueue(EventsOf(run), () => EngineFor(run.Mode, new ApConfig(Low(run.Apm), Low(run.Aqm), Low(run.Adm)),
            new ApMatrix(Low(0x0F), Low(run.M1Domains), Low(run.M1Domains)), new ApMatrix(Low(0xF0), Low(run.M2Domains), Low(run.M2Domains)))));

    // Each recorder makes scan ids of its own: only whether a message has one, and its place, are compared.
    static string WithoutScanIds(IBusEvent e) =>
        Regex.Replace(JsonSerializer.Serialize(e, e.GetType()), "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "scan");

    [Property(MaxTest = 200)]
    public Property ApBus_records_in_the_grouped_form_the_groups_of_its_per_queue_events() => Prop.ForAll(Run.ToArbitrary(), run =>
        Assert.Equal(BusEventGroups.Group(EventsOf(run)).Select(WithoutScanIds), EventsOf(run, BusEventForm.Grouped).Select(WithoutScanIds)));

    [Fact]
    public void A_full_scale_scan_grouped_in_one_run_plugs_every_guest_once()
    {
        var empty = new ApConfig(Bitmap256.Empty, Bitmap256.Empty, Bitmap256.Empty);
        var full = new ApConfig(Bitmap256.All, Bitmap256.All, Bitmap256.All);
        var recorder = new BusEventRecorder("h1", 1, null, BusEventForm.PerQueue);
        new HostBus(empty, ApPermissions.None).Scan(full, recorder);
        var events = recorder.Messages;
        var grouped = BusEventGroups.Group(events);
        var low = Bitmap256.UpTo(127);
        var high = Bitmap256.All.AndNot(low);
        VfioApEngine Engine() => EngineFor(HotPlugMode.Batched, empty, new ApMatrix(low, low, low), new ApMatrix(high, high, high));

        Assert.Equal(65_538, events.Count);
        Assert.Equal(3, grouped.Count);
        AssertSameAsPerQueue(events, Engine);
        var (_, updates) = Applied(Engine(), grouped);
        Assert.Equal(["g1", "g2"], updates.Select(u => u.Guest).Order(StringComparer.Ordinal));
        Assert.Equal(new ApMatrix(high, high, high), updates.Single(u => u.Guest == "g2").Apcb);
    }

    [Fact]
    public void A_probe_by_the_default_driver_in_a_group_only_keeps_its_place()
    {
        var host = new ApConfig(Low(0x03), Low(0x03), Low(0x01));
        var events = new IBusEvent[]
        {
            new QueuesProbed("h1", 1, null, [new("00.0000", "00.0000", BoundDriver.VfioAp), new("00.0001", "00.0001", BoundDriver.Default)]),
        };
        var engine = EngineFor(HotPlugMode.PerQueue, host, new ApMatrix(Low(0x01), Low(0x03), Low(0x01)), new ApMatrix(Low(0x02), Low(0), Low(0)));

        Applied(engine, events);

        Assert.True(engine.IsBound(new Apqn(0, 0)));
        Assert.False(engine.IsBound(new Apqn(0, 1)));
    }

    [Fact]
    public void A_parked_grouped_event_applies_from_its_stored_body()
    {
        var removal = new QueuesRemoved("h1", 4, Guid.NewGuid(), [new("01.0002", "01.0002", BoundDriver.VfioAp, RemovalReason.Unbind)]);
        var parked = PendingBusEvent.From(removal);

        Assert.Equal(BusEventKind.QueuesRemoved, parked.Kind);
        Assert.Null(parked.Apqn);
        Assert.Equal(removal, parked.Read<QueuesRemoved>());
    }
}
