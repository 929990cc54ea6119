using Apmatrix.ApModel;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Apmatrix.Engine.Tests.Support;

namespace Apmatrix.Engine.Tests;

/// <summary>
/// Random interleavings, on a host of ids 0..3 with two mdevs, of ApBus's mask changes (the check, then a commit, an abort
/// with a release, or a crash without one; checks and releases arriving late and in any order), its other changes,
/// vfio_ap applying events in order or reconciling from a snapshot, assignments, the clock and lease expiry. After every
/// step no mdev holds a queue reserved by vfio_ap's masks, by a change ApBus committed and vfio_ap has not applied, or by
/// the allowed change ApBus is about to commit: what the kernel's ap_perms_mutex guarantees (spec 1.9).
/// </summary>
public class MaskRaceProperties
{
    [Property(MaxTest = 500)]
    public Property No_interleaving_lets_an_mdev_hold_a_queue_a_mask_change_reserves() => Prop.ForAll(Gens.Seed, seed =>
    {
        var race = new Race(new Random(seed), reserve: true);
        if (race.Run() is { } broken) Assert.Fail($"{broken}\n{race.Story}");
    });

    /// <summary>The bare veto, as ApBus asked before reservations: the same interleavings find the race.</summary>
    [Fact]
    public void The_bare_veto_lets_an_assignment_through_between_check_and_change()
    {
        Assert.Contains(Enumerable.Range(0, 200), seed => new Race(new Random(seed), reserve: false).Run() is not null);
    }

    sealed class Race(Random random, bool reserve) : IApBusListener
    {
        const int Ids = 4;
        const int Steps = 120;
        static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);
        static readonly ApConfig Config = new(Bitmap256.Range(0, Ids - 1), Bitmap256.Range(0, Ids - 1), Bitmap256.Empty, 255, 255);

        readonly HostBus _bus = new(Config with { Apm = Bitmap256.Empty, Aqm = Bitmap256.Empty }, ApPermissions.None);
        readonly VfioApEngine _engine = new(Config with { Apm = Bitmap256.Empty, Aqm = Bitmap256.Empty });
        /// <summary>Events ApBus committed and vfio_ap has not applied, in sequence order; mask changes carry their masks.</summary>
        readonly List<(long Sequence, ApPermissions? Masks, Action<VfioApEngine> Apply)> _unapplied = [];
        /// <summary>Checks and releases sent and not yet arrived: they arrive in any order.</summary>
        readonly List<(string What, Action Arrive)> _inFlight = [];
        readonly List<string> _story = [];
        long _busSequence;
        long _applied;
        DateTime _now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        /// <summary>ApBus's mask change holding the host row: its reservation, masks, the sequence it checked at, VfioAp's answer.</summary>
        (Guid Id, ApPermissions Masks, long After, bool? Allowed)? _open;
        (DateTime Now, long Sequence, BusTruth Truth)? _snapshot;

        public string Story => string.Join("\n", _story);

        /// <summary>The first broken state, or null when every step kept the invariant.</summary>
        public string? Run()
        {
            _bus.Scan(Config, this);
            Deliver(_unapplied.Count);
            _engine.CreateMdev("m1");
            _engine.CreateMdev("m2");
            for (var step = 0; step < Steps; step++)
            {
                Step();
                if (Broken() is { } broken) return broken;
            }
            return null;
        }

        void Step()
        {
            switch (random.Next(11))
            {
                case 0 when _open is null:
                    var masks = new ApPermissions(Subset(), Subset());
                    if (masks == _bus.Permissions) break;
                    var change = (Id: Guid.NewGuid(), Masks: masks, After: _busSequence);
                    _open = (change.Id, masks, change.After, null);
                    Tell($"ApBus checks {Show(masks)} after {change.After}");
                    _inFlight.Add(($"check {Show(masks)}", () => Check(change.Id, masks, change.After)));
                    break;
                case 1 when _inFlight.Count > 0:
                    var arriving = random.Next(_inFlight.Count);
                    var (what, arrive) = _inFlight[arriving];
                    _inFlight.RemoveAt(arriving);
                    Tell($"{what} arrives");
                    arrive();
                    break;
                case 2 when _open is { Allowed: true } committed:
                    Tell($"ApBus commits {Show(committed.Masks)} at {_busSequence + 1}");
                    _open = null;
                    _bus.SetPermissions(committed.Masks, this);
                    break;
                case 3 when _open is { } aborted:
                    _open = null;
                    if (aborted.Allowed == false) Tell("ApBus gives up after the veto");
                    else if (random.Next(2) == 0) Tell("ApBus dies before its commit: no release");
                    else
                    {
                        Tell("ApBus fails before its commit and releases");
                        _inFlight.Add(("release", () => _engine.ReleaseMasks(aborted.Id)));
                    }
                    break;
                case 4 when _open is null:
                    var config = Config with { Apm = Subset(), Aqm = Subset() };
                    Tell($"ApBus scans to {config.Apm} x {config.Aqm}");
                    if (!_bus.Scan(config, this)) _bus.Remove(new Apqn(random.Next(Ids), random.Next(Ids)), this);
                    break;
                case 5 when _unapplied.Count > 0:
                    Deliver(1 + random.Next(Math.Min(3, _unapplied.Count)));
                    break;
                case 6:
                case 7:
                    Assign();
                    break;
                case 8:
                    _now += TimeSpan.FromSeconds(random.Next(91));
                    break;
                // A snapshot is read behind ApBus's change in progress (FOR SHARE): never while one holds the row.
                case 9 when _open is null:
                    _snapshot = (_now, _busSequence, new BusTruth(_bus.Config, _bus.Permissions, _bus.Devices.ToArray(), false, _bus.Config));
                    Tell($"VfioAp reads the snapshot at {_busSequence}");
                    break;
                case 10 when _snapshot is { } snapshot:
                    _snapshot = null;
                    if (random.Next(2) == 0)
                        Tell($"{_engine.ExpireMaskReservations(snapshot.Now, Lease, snapshot.Sequence)} reservation(s) expire");
                    else if (snapshot.Sequence >= _applied)
                    {
                        Tell($"VfioAp reconciles to {snapshot.Sequence}");
                        _engine.ReconcileWith(snapshot.Truth);
                        _unapplied.RemoveAll(e => e.Sequence <= snapshot.Sequence);
                        _applied = snapshot.Sequence;
                        _engine.OnBusEventsApplied(_applied);
                    }
                    break;
            }
        }

        void Check(Guid id, ApPermissions masks, long after)
        {
            bool allowed;
            try
            {
                if (reserve) _engine.ReserveMasks(new MaskReservation(id, after, masks, _now), _applied);
                else _engine.EnsurePermissionsAllowed(masks);
                allowed = true;
            }
            catch (MatrixException e) when (e.Kind == MatrixErrorKind.Busy)
            {
                allowed = false;
            }
            // Only the change still waiting hears the answer; a late check answers nobody.
            if (_open?.Id == id) _open = _open.Value with { Allowed = allowed };
            Tell(allowed ? "allowed" : "vetoed");
        }

        void Deliver(int count)
        {
            foreach (var e in _unapplied.Take(count)) e.Apply(_engine);
            _applied = _unapplied[count - 1].Sequence;
            _unapplied.RemoveRange(0, count);
            _engine.OnBusEventsApplied(_applied);
            Tell($"VfioAp applies up to {_applied}");
        }

        void Assign()
        {
            var mdev = random.Next(2) == 0 ? "m1" : "m2";
            var id = random.Next(Ids);
            var (name, operation) = random.Next(5) switch
            {
                0 => ($"assign adapter {id}", (Action)(() => _engine.AssignAdapter(mdev, id))),
                1 => ($"assign domain {id}", () => _engine.AssignDomain(mdev, id)),
                2 => ($"unassign adapter {id}", () => _engine.UnassignAdapter(mdev, id)),
                3 => ($"unassign domain {id}", () => _engine.UnassignDomain(mdev, id)),
                _ => ("ap_config", (Action)(() =>
                {
                    var (apm, aqm) = (Subset(), Subset());
                    _engine.SetMatrix(mdev, new ApMatrix(apm, aqm, Bitmap256.Empty));
                })),
            };
            try
            {
                operation();
                Tell($"{mdev}: {name}");
            }
            catch (MatrixException e)
            {
                Tell($"{mdev}: {name} refused ({e.KindName})");
            }
        }

        string? Broken()
        {
            var masks = new List<(string Whose, ApPermissions Masks)> { ("vfio_ap's masks", _engine.Permissions) };
            masks.AddRange(_unapplied.Where(e => e.Masks is not null).Select(e => ($"committed change #{e.Sequence}", e.Masks!.Value)));
            if (_open is { Allowed: true } open) masks.Add(("the allowed change about to commit", open.Masks));
            foreach (var mdev in _engine.Mdevs)
            foreach (var (whose, reserved) in masks)
                if (reserved.FirstReserved(mdev.Assigned.Apm, mdev.Assigned.Aqm) is { } apqn)
                    return $"mdev {mdev.Name} holds {apqn}, reserved by {whose} {Show(reserved)}";
            return null;
        }

        Bitmap256 Subset()
        {
            var ids = Bitmap256.Empty;
            for (var id = 0; id < Ids; id++)
                if (random.Next(3) == 0) ids = ids.With(id);
            return ids;
        }

        void Tell(string what) => _story.Add(what);

        static string Show(ApPermissions masks) => $"apmask {masks.Apmask} aqmask {masks.Aqmask}";

        void Record(ApPermissions? masks, Action<VfioApEngine> apply) => _unapplied.Add((++_busSequence, masks, apply));

        public void ConfigChanged(in ApConfig current, in ApConfig previous)
        {
            var (now, before) = (current, previous);
            Record(null, e => e.OnConfigChanged(now, before));
        }

        public void QueueProbed(Apqn apqn, QueueDriver driver) =>
            Record(null, e => { if (driver == QueueDriver.VfioAp) e.OnQueueProbed(apqn); });

        public void QueueRemoved(Apqn apqn, QueueDriver driver, QueueRemovalReason reason) => Record(null, e => e.OnQueueRemoved(apqn));
        public void ScanComplete(in ApConfig current, in ApConfig previous) => Record(null, e => e.OnScanComplete());

        public void PermissionsChanged(in ApPermissions permissions)
        {
            var masks = permissions;
            Record(masks, e => e.OnPermissionsChanged(masks));
        }
    }
}
