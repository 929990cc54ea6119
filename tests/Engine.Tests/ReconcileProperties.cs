using Apmatrix.ApModel;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Apmatrix.Engine.Tests.Support;

namespace Apmatrix.Engine.Tests;

/// <summary>
/// Random bus histories on a small host (ids 0..3, two attached mdevs): an engine that lost a run of events and
/// reconciled with the bus's state at a later sequence holds the bus's configuration, masks, queues and a window's
/// pending additions as the engine that applied every event does, then and after the rest of the events; the reconcile
/// sent each guest at most one update, numbered right after the last it had. In batched mode every shadow APCB holds
/// only assigned, configured ids and bound queues (spec I2, I3), a reconcile that ends on a closed scan leaves each
/// mdev exactly as a fresh filter, and no guest has fewer queues than applying every event gives it: a fresh filter
/// may plug what the replay kept out (an adapter dropped while a queue was missing and not filtered again, spec I10).
/// </summary>
public class ReconcileProperties
{
    const int Ids = 4;

    [Property(MaxTest = 1000)]
    public Property Reconciling_a_lost_run_of_events_brings_the_bus_back_and_filters_afresh() =>
        Prop.ForAll(Gens.Seed, ArbMap.Default.ArbFor<bool>(), (seed, perQueue) =>
            Check(new Random(seed), perQueue ? HotPlugMode.PerQueue : HotPlugMode.Batched));

    [Fact]
    public void Reconciling_an_engine_that_is_up_to_date_changes_nothing()
    {
        var history = History.Generate(new Random(7), HotPlugMode.Batched);
        var engine = history.Start();
        foreach (var e in history.Events) e(engine);
        engine.ClearUpdates();
        var state = engine.Capture();

        Assert.Equal(0, engine.ReconcileWith(history.Boundaries[^1].For(history.Events.Count)));
        Assert.Empty(engine.PendingUpdates.ToArray());
        Assert.True(state.SameAs(engine.Capture()));
    }

    /// <summary>
    /// ApBus's database restored from an older backup: the engine applied one history, and the bus now tells another that
    /// shares its first steps (none, at times) and draws the rest anew, read with no window of it known to be applied.
    /// </summary>
    [Property(MaxTest = 1000)]
    public Property Reconciling_with_a_bus_that_tells_another_history_brings_that_bus_back() =>
        Prop.ForAll(Gens.Seed, ArbMap.Default.ArbFor<bool>(), (seed, perQueue) =>
        {
            var random = new Random(seed);
            var mode = perQueue ? HotPlugMode.PerQueue : HotPlugMode.Batched;
            var shared = random.Next(10);
            var applied = History.Generate(new Random(seed), mode, (shared, new Random(random.Next())));
            var told = History.Generate(new Random(seed), mode, (shared, new Random(random.Next())));
            var boundary = told.Boundaries[random.Next(told.Boundaries.Count)];
            var engine = applied.Start();
            foreach (var e in applied.Events) e(engine);
            Check(told, boundary, engine, boundary.Truth with { WindowApplied = boundary.WindowAt is null ? null : false },
                $"applied another history ({string.Join(", ", applied.Told)}), reconciled at {boundary.EventCount}");
        });

    static void Check(Random random, HotPlugMode mode)
    {
        var history = History.Generate(random, mode);
        var boundary = history.Boundaries[random.Next(history.Boundaries.Count)];
        var applied = random.Next(boundary.EventCount + 1);
        var lost = history.Start();
        foreach (var e in history.Events.Take(applied)) e(lost);
        var story = $"applied {applied} of {history.Events.Count}, reconciled at {boundary.EventCount}";
        Check(history, boundary, lost, boundary.For(applied), story);
        LosingNothingChangesNothing(history, boundary, story);
    }

    /// <summary>
    /// <paramref name="engine"/> reconciled with <paramref name="truth"/>, the bus after <paramref name="boundary"/> of
    /// <paramref name="history"/>, holds what replaying the history to there holds, and after the rest of it, all of it.
    /// </summary>
    static void Check(History history, Boundary boundary, VfioApEngine engine, BusTruth truth, string story)
    {
        var full = history.Start();
        foreach (var e in history.Events) e(full);
        var bound = Enumerable.Range(0, Bitmap256.Capacity).Select(full.BoundDomains).ToArray();
        Assert.Equal(history.Boundaries[^1].Truth.Digest, BusDigest.Of(full.Host, full.Permissions, bound));
        var replayed = history.Start();
        foreach (var e in history.Events.Take(boundary.EventCount)) e(replayed);

        var versions = engine.Guests.ToDictionary(g => g.Name, g => g.Version);
        engine.ClearUpdates();
        var updated = engine.ReconcileWith(truth);
        var updates = engine.DrainUpdates();
        Assert.Equal(updated, updates.Length);
        Assert.Equal(updates.Length, updates.Select(u => u.Guest).Distinct().Count());
        foreach (var update in updates)
        {
            Assert.Equal(versions[update.Guest] + 1, update.Version);
            Assert.Equal(engine.FindGuest(update.Guest)!.Apcb, update.Apcb);
        }
        story = $"{story} of {history.Events.Count} ({(boundary.Truth.ScanOpen ? "window open" : "closed")}): {string.Join(", ", history.Told)}";
        Compare(replayed, engine, story);
        if (engine.Mode == HotPlugMode.Batched && !boundary.Truth.ScanOpen)
            foreach (var mdev in engine.Mdevs)
                if (Filtered(mdev.Assigned, engine) != mdev.Shadow)
                    Assert.Fail($"{mdev.Name} reconciled {mdev.Shadow}, a fresh filter {Filtered(mdev.Assigned, engine)}\n{story}");

        foreach (var e in history.Events.Skip(boundary.EventCount)) e(engine);
        Compare(full, engine, $"after the rest: {story}");
    }

    /// <summary>An engine that applied every event up to the boundary keeps its bus state, and inside a window everything.</summary>
    static void LosingNothingChangesNothing(History history, Boundary boundary, string story)
    {
        var engine = history.Start();
        foreach (var e in history.Events.Take(boundary.EventCount)) e(engine);
        engine.ClearUpdates();
        var (state, bus) = (engine.Capture(), Bus(engine));

        var updated = engine.ReconcileWith(boundary.For(boundary.EventCount));

        Assert.True(bus == Bus(engine), $"nothing lost, yet\n{bus}\nbecame\n{Bus(engine)}\n{story}");
        if (boundary.Truth.ScanOpen) Assert.True(updated == 0 && state.SameAs(engine.Capture()), $"nothing lost, yet {updated} update(s)\n{story}");
    }

    static void Compare(VfioApEngine replayed, VfioApEngine reconciled, string story)
    {
        var (expected, actual) = (Bus(replayed), Bus(reconciled));
        if (expected != actual) Assert.Fail($"replayed:   {expected}\nreconciled: {actual}\n{story}");
        foreach (var engine in new[] { replayed, reconciled })
            foreach (var mdev in engine.Mdevs.Where(m => m.Guest is not null))
                Assert.Equal(mdev.Shadow, engine.FindGuest(mdev.Guest!)!.Apcb);
        if (reconciled.Mode == HotPlugMode.PerQueue) return;
        foreach (var (name, engine) in new[] { ("replayed", replayed), ("reconciled", reconciled) })
            foreach (var mdev in engine.Mdevs)
            {
                var (shadow, allowed) = (mdev.Shadow, Allowed(mdev.Assigned, engine.Host));
                if (!shadow.Apm.IsSubsetOf(allowed.Apm) || !shadow.Aqm.IsSubsetOf(allowed.Aqm) || !shadow.Adm.IsSubsetOf(allowed.Adm))
                    Assert.Fail($"{name} {mdev.Name} holds {shadow} beyond its assigned and configured {allowed} (I2)\n{story}");
                foreach (var a in shadow.Apm)
                    if (!shadow.Aqm.IsSubsetOf(engine.BoundDomains(a)))
                        Assert.Fail($"{name} {mdev.Name} holds {shadow} with a queue of adapter {a} unbound (I3)\n{story}");
            }
        foreach (var mdev in replayed.Mdevs)
        {
            var (had, has) = (Queues(mdev.Shadow, replayed.Host), Queues(reconciled.FindMdev(mdev.Name)!.Shadow, reconciled.Host));
            if (!had.IsSubsetOf(has)) Assert.Fail($"{mdev.Name} replayed {mdev.Shadow}, reconciled {reconciled.FindMdev(mdev.Name)!.Shadow}\n{story}");
        }
    }

    static ApMatrix Allowed(ApMatrix assigned, ApConfig host) => new(assigned.Apm & host.Apm, assigned.Aqm & host.Aqm, assigned.Adm & host.Adm);

    /// <summary>Spec 3.1 as a fresh filter would run it: assigned and configured ids, less every adapter with a queue not bound.</summary>
    static ApMatrix Filtered(ApMatrix assigned, VfioApEngine engine)
    {
        var allowed = Allowed(assigned, engine.Host);
        var apm = allowed.Apm;
        if (!allowed.Aqm.IsEmpty)
            foreach (var a in allowed.Apm)
                if (!allowed.Aqm.IsSubsetOf(engine.BoundDomains(a))) apm = apm.Without(a);
        return allowed with { Apm = apm };
    }

    /// <summary>What the bus's events decide: configuration, masks, queues bound to vfio_ap, each mdev's pending additions.</summary>
    static string Bus(VfioApEngine engine)
    {
        var bound = string.Join(" ", Enumerable.Range(0, Ids).Select(a => engine.BoundDomains(a).ToString()));
        var added = string.Join("; ", engine.Mdevs.Select(m => $"{m.Name} added {m.Added}"));
        return $"H {engine.Host} masks {engine.Permissions} bound {bound} | {added}";
    }

    /// <summary>The queues a shadow APCB gives of the host's configuration.</summary>
    static HashSet<Apqn> Queues(ApMatrix shadow, ApConfig host)
    {
        var queues = new HashSet<Apqn>();
        foreach (var a in shadow.Apm & host.Apm)
            foreach (var d in shadow.Aqm & host.Aqm)
                queues.Add(new Apqn(a, d));
        return queues;
    }

    /// <summary>The bus after <paramref name="EventCount"/> events; <paramref name="WindowAt"/>: the number of the open window's config changed.</summary>
    sealed record Boundary(int EventCount, BusTruth Truth, int? WindowAt)
    {
        /// <summary>The bus as an engine that applied the first <paramref name="applied"/> events reads it.</summary>
        public BusTruth For(int applied) => Truth with { WindowApplied = WindowAt is { } opened ? applied >= opened : null };
    }

    /// <summary>A host's bus events as replayable steps, with the bus's state after each bus operation.</summary>
    sealed class History : IApBusListener
    {
        readonly HotPlugMode _mode;
        readonly ApMatrix[] _assigned;
        readonly VfioApEngine _live;
        int _windowAt;

        History(HotPlugMode mode, ApMatrix[] assigned)
        {
            (_mode, _assigned) = (mode, assigned);
            _live = Start();
        }

        public List<Action<IApBusListener>> Events { get; } = [];
        public List<Boundary> Boundaries { get; } = [];
        public List<string> Told { get; } = [];

        public VfioApEngine Start()
        {
            var engine = new VfioApEngine(new ApConfig(default, default, default, Ids - 1, Ids - 1), default, _mode);
            for (var i = 0; i < _assigned.Length; i++)
            {
                engine.CreateMdev($"m{i}");
                // A matrix overlapping the other mdev's is refused: that mdev then holds nothing.
                if (i == 0 || !_assigned[i].Apm.Intersects(_assigned[0].Apm) || !_assigned[i].Aqm.Intersects(_assigned[0].Aqm))
                    engine.SetMatrix($"m{i}", _assigned[i]);
                engine.Attach($"m{i}", $"g{i}");
            }
            engine.ClearUpdates();
            return engine;
        }

        /// <summary>A random history; from step <paramref name="diverge"/>.Step on, drawn from its own random numbers.</summary>
        public static History Generate(Random random, HotPlugMode mode, (int Step, Random Then)? diverge = null)
        {
            var assigned = Enumerable.Range(0, 2).Select(_ => new ApMatrix(Set(random), Set(random), Set(random))).ToArray();
            var history = new History(mode, assigned);
            var bus = new HostBus(new ApConfig(default, default, default, Ids - 1, Ids - 1), default);
            var open = false;
            history.Mark(bus, open);
            var steps = random.Next(1, 10);
            for (var step = 0; step < steps; step++)
            {
                // At the last step at the latest: the two histories always differ in what they draw.
                if (diverge is var (at, then) && step == Math.Min(at, steps - 1)) random = then;
                switch (random.Next(open ? 4 : 5))
                {
                    case 0:
                        _ = Pick(random, Configured(bus).Where(q => !bus.HasDevice(q))) is { } probed && bus.Probe(probed, history);
                        break;
                    case 1:
                        _ = Pick(random, Existing(bus)) is { } removed && bus.Remove(removed, history);
                        break;
                    case 2 when open:
                        bus.CompleteScan(history);
                        open = false;
                        break;
                    case 2:
                        bus.Scan(Config(random), history);
                        break;
                    case 3:
                        var masks = new ApPermissions(Set(random) & Set(random), Set(random) & Set(random));
                        if (Allowed(history._live, masks)) bus.SetPermissions(masks, history);
                        break;
                    case 4:
                        var next = Config(random);
                        if (!next.MasksDiffer(bus.Config)) break;
                        history._windowAt = history.Events.Count + 1;
                        bus.ChangeConfig(next, history);
                        open = true;
                        break;
                }
                history.Mark(bus, open);
            }
            return history;
        }

        void Mark(HostBus bus, bool open) => Boundaries.Add(new Boundary(Events.Count,
            new BusTruth(bus.Config, bus.Permissions, bus.Devices.ToArray(), open, bus.PreviousConfig), open ? _windowAt : null));

        static bool Allowed(VfioApEngine engine, ApPermissions masks)
        {
            try
            {
                engine.EnsurePermissionsAllowed(masks);
                return true;
            }
            catch (MatrixException)
            {
                return false;
            }
        }

        static Bitmap256 Set(Random random)
        {
            var set = Bitmap256.Empty;
            for (var id = 0; id < Ids; id++)
                if (random.Next(3) > 0) set = set.With(id);
            return set;
        }

        static ApConfig Config(Random random) => new(Set(random), Set(random), Set(random), Ids - 1, Ids - 1);

        static IEnumerable<Apqn> Configured(HostBus bus) =>
            from a in Enumerable.Range(0, Ids) from d in Enumerable.Range(0, Ids)
            where bus.Config.QueuesOf(a)[d] select new Apqn(a, d);

        static IEnumerable<Apqn> Existing(HostBus bus) =>
            from a in Enumerable.Range(0, Ids) from d in Enumerable.Range(0, Ids)
            where bus.HasDevice(new Apqn(a, d)) select new Apqn(a, d);

        static Apqn? Pick(Random random, IEnumerable<Apqn> queues)
        {
            var all = queues.ToList();
            return all.Count == 0 ? null : all[random.Next(all.Count)];
        }

        void Record(Action<IApBusListener> e, string told)
        {
            Told.Add(told);
            Events.Add(e);
            e(_live);
        }

        public void ConfigChanged(in ApConfig current, in ApConfig previous)
        {
            var (c, p) = (current, previous);
            Record(l => l.ConfigChanged(c, p), $"config {c.Apm}/{c.Aqm}/{c.Adm}");
        }

        public void QueueProbed(Apqn apqn, QueueDriver driver) => Record(l => l.QueueProbed(apqn, driver), $"probe {apqn} {driver}");

        public void QueueRemoved(Apqn apqn, QueueDriver driver, QueueRemovalReason reason) => Record(l => l.QueueRemoved(apqn, driver, reason), $"remove {apqn} {driver}");

        public void ScanComplete(in ApConfig current, in ApConfig previous)
        {
            var (c, p) = (current, previous);
            Record(l => l.ScanComplete(c, p), "complete");
        }

        public void PermissionsChanged(in ApPermissions permissions)
        {
            var next = permissions;
            Record(l => l.PermissionsChanged(next), $"masks {next}");
        }
    }
}
