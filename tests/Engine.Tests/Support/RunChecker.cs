using System.Text;
using Apmatrix.ApModel;
using static Apmatrix.Engine.Tests.Support.SpecRules;

namespace Apmatrix.Engine.Tests.Support;

public sealed class InvariantViolation(string message) : Exception(message);

/// <summary>Plays a run and checks the spec's section 6 invariants for its mode after every step.</summary>
public sealed class RunChecker
{
    readonly Run _run;
    readonly IReadOnlyList<Step> _steps;
    readonly Simulation _sim;
    readonly bool _batched;
    readonly Dictionary<string, ApMatrix> _assigned = [];
    readonly Dictionary<string, string?> _guestOf = [];
    readonly List<string> _log = [];
    (ApConfig Current, ApConfig Previous)? _window;

    public RunChecker(Run run)
    {
        _run = run;
        _steps = run.Steps;
        _sim = new Simulation(run.Setup);
        _batched = run.Setup.Mode == HotPlugMode.Batched;
        foreach (var name in run.Setup.MdevNames)
        {
            _assigned[name] = ApMatrix.Empty;
            _guestOf[name] = null;
        }
    }

    public static void Check(Run run, bool checkOwnership = true) => new RunChecker(run).Execute(checkOwnership);

    void Execute(bool checkOwnership)
    {
        CheckState("set-up");
        for (var i = 0; i < _steps.Count; i++)
        {
            var step = _steps[i];
            var versions = _sim.Engine.Guests.ToDictionary(g => g.Name, g => (g.Apcb, g.Version));
            var permissions = _sim.Bus.Permissions;
            var expected = Predict(step, out var commit, out var anyKind);
            var before = expected is null ? null : EngineText.Of(_sim.Engine);
            var views = MdevView.Of(_sim.Engine);
            var result = _sim.Apply(step);
            _log.Add($"{i}: {result.Resolved}{Outcome(result)}");
            var at = $"step {i} ({result.Resolved})";

            if (result.Error is { } error and not MatrixException) Fail(at, $"threw {error}");
            var actual = (result.Error as MatrixException)?.Kind;
            if (anyKind ? actual is null : actual != expected) Fail(at, $"expected {(anyKind ? "a refusal" : Name(expected))}, got {Name(actual)}");
            if (actual is null)
            {
                commit();
                CheckRequestEffect(at, step, views, result, versions);
            }
            else
            {
                if (EngineText.Of(_sim.Engine) != before) Fail(at, $"refused step changed the engine:\n{before}---\n{EngineText.Of(_sim.Engine)}");
                if (_sim.Bus.Permissions != permissions) Fail(at, "refused mask change reached the bus");
            }

            CheckUpdates(at, result, versions);
            foreach (var busEvent in result.Events) CheckEvent(at, busEvent);
            CheckState(at);
            // Bus events are checked against I12 as they happen; the full probe of every queue follows each change of A.
            var changedA = views.Any(v => _sim.Engine.FindMdev(v.Name)?.Assigned != v.Assigned);
            if (checkOwnership && (changedA || i == _steps.Count - 1)) CheckOwnership(at, i + 1);
        }
    }

    static string Name(MatrixErrorKind? kind) => kind is { } k ? MatrixException.Name(k) : "success";

    static string Outcome(StepResult result) =>
        (result.Error is MatrixException e ? $" -> {e.KindName}" : "") +
        (result.Updates.Count > 0 ? $" [{string.Join("; ", result.Updates.Select(u => $"{u.Guest} v{u.Version} {EngineText.Masks(u.Apcb)}"))}]" : "");

    /// <param name="anyKind">The spec requires a refusal but names no error for it.</param>
    MatrixErrorKind? Predict(Step step, out Action commit, out bool anyKind)
    {
        commit = () => { };
        anyKind = false;
        switch (step)
        {
            case AdminStep admin:
            {
                if (admin.Id.Value is not { } value) return MatrixErrorKind.Invalid;
                var adapter = admin.Kind is AdminKind.AssignAdapter or AdminKind.UnassignAdapter;
                if (value > (adapter ? _run.Setup.Host.MaxAdapter : _run.Setup.Host.MaxDomain)) return MatrixErrorKind.OutOfRange;
                var id = (int)value;
                var a = _assigned[admin.Mdev];
                var next = admin.Kind switch
                {
                    AdminKind.AssignAdapter => a with { Apm = a.Apm.With(id) },
                    AdminKind.AssignDomain => a with { Aqm = a.Aqm.With(id) },
                    AdminKind.AssignControlDomain => a with { Adm = a.Adm.With(id) },
                    AdminKind.UnassignAdapter => a with { Apm = a.Apm.Without(id) },
                    AdminKind.UnassignDomain => a with { Aqm = a.Aqm.Without(id) },
                    _ => a with { Adm = a.Adm.Without(id) },
                };
                if (admin.Kind is AdminKind.AssignAdapter or AdminKind.AssignDomain && next != a)
                {
                    if (AnyReserved(next.Apm, next.Aqm, _sim.Bus.Permissions)) return MatrixErrorKind.Reserved;
                    if (_assigned.Any(o => o.Key != admin.Mdev && CrossProductsMeet(o.Value, next))) return MatrixErrorKind.InUse;
                }
                commit = () => _assigned[admin.Mdev] = next;
                return null;
            }
            case SetMatrixStep write:
            {
                var next = write.Matrix;
                var limits = new ApMatrix(Bitmap256.UpTo(_run.Setup.Host.MaxAdapter), Bitmap256.UpTo(_run.Setup.Host.MaxDomain),
                    Bitmap256.UpTo(_run.Setup.Host.MaxDomain));
                if (!IsSubset(next, limits)) return MatrixErrorKind.OutOfRange;
                if (AnyReserved(next.Apm, next.Aqm, _sim.Bus.Permissions)) return MatrixErrorKind.Reserved;
                if (_assigned.Any(o => o.Key != write.Mdev && CrossProductsMeet(o.Value, next))) return MatrixErrorKind.InUse;
                commit = () => _assigned[write.Mdev] = next;
                return null;
            }
            case RecreateStep recreate:
                anyKind = _guestOf[recreate.Mdev] is not null;
                if (anyKind) return MatrixErrorKind.Busy;
                commit = () => _assigned[recreate.Mdev] = ApMatrix.Empty;
                return null;
            case AttachStep attach:
                if (_guestOf[attach.Mdev] == attach.Guest) return null;
                if (_guestOf.ContainsValue(attach.Guest)) return MatrixErrorKind.NotPermitted;
                anyKind = _guestOf[attach.Mdev] is not null;
                if (anyKind) return MatrixErrorKind.NotPermitted;
                commit = () => _guestOf[attach.Mdev] = attach.Guest;
                return null;
            case DetachStep detach:
                commit = () => _guestOf[detach.Mdev] = null;
                return null;
            case SetMasksStep masks:
                return _assigned.Values.Any(a => AnyReserved(a.Apm, a.Aqm, masks.Masks)) ? MatrixErrorKind.Busy : null;
            default:
                return null;
        }
    }

    void CheckRequestEffect(string at, Step step, List<MdevView> before, StepResult result, Dictionary<string, (ApMatrix Apcb, long Version)> guests)
    {
        var target = step switch
        {
            AdminStep admin => admin.Mdev,
            SetMatrixStep write => write.Mdev,
            AttachStep attach => attach.Mdev,
            RecreateStep recreate => recreate.Mdev,
            DetachStep detach => detach.Mdev,
            _ => null,
        };
        if (target is null) return;
        var engine = _sim.Engine;
        var host = engine.Host;
        var old = before.Single(m => m.Name == target);
        var now = engine.FindMdev(target)!;
        var a = now.Assigned;
        var s = old.Shadow;
        var filtered = FilterMatrix(a, host, _sim.BusBinds);
        // The shadows a request passes through, in order; each change is one update if a guest holds the mdev.
        var shadows = step switch
        {
            AdminStep { Kind: AdminKind.AssignAdapter or AdminKind.AssignDomain } when a != old.Assigned =>
                [s with { Apm = filtered.Apm, Aqm = filtered.Aqm }],
            AdminStep { Kind: AdminKind.AssignControlDomain } when a != old.Assigned => [s with { Adm = a.Adm & host.Adm }],
            // Unassigning takes the id out of S and does not re-filter (quirk Q5, as upstream).
            AdminStep { Kind: AdminKind.UnassignAdapter or AdminKind.UnassignDomain or AdminKind.UnassignControlDomain } =>
                [Intersect(s, a)],
            SetMatrixStep => SetMatrixShadows(s, old.Assigned, a, new ApMatrix(filtered.Apm, filtered.Aqm, a.Adm & host.Adm)),
            RecreateStep => [ApMatrix.Empty],
            _ => new List<ApMatrix> { s },
        };
        if (now.Shadow != shadows[^1]) Fail(at, $"{target} S: expected [{EngineText.Masks(shadows[^1])}], got [{EngineText.Masks(now.Shadow)}]");
        var after = MdevView.Of(engine).ToDictionary(m => m.Name);
        foreach (var b in before)
            if (b.Name != target && b != after[b.Name]) Fail(at, $"{b.Name} changed though the request was for {target}");

        var guest = step switch
        {
            AttachStep attach => attach.Guest,
            DetachStep => old.Guest,
            _ => now.Guest,
        };
        var expected = new List<ApMatrix>();
        if (guest is not null)
        {
            var apcb = guests.GetValueOrDefault(guest).Apcb;
            foreach (var next in step is DetachStep ? [ApMatrix.Empty] : shadows)
                if (next != apcb) expected.Add(apcb = next);
        }
        var actual = result.Updates.Select(u => u.Apcb).ToList();
        if (!expected.SequenceEqual(actual) || result.Updates.Any(u => u.Guest != guest))
            Fail(at, $"expected updates [{string.Join("; ", expected.Select(EngineText.Masks))}] to {guest ?? "nobody"}, " +
                     $"got [{string.Join("; ", result.Updates.Select(u => $"{u.Guest}: {EngineText.Masks(u.Apcb)}"))}]");
    }

    /// <summary>Spec 4.3: removed adapters are unplugged, then removed domains, with the old A in place; then the new A is filtered.</summary>
    static List<ApMatrix> SetMatrixShadows(ApMatrix s, ApMatrix oldA, ApMatrix newA, ApMatrix filtered)
    {
        var withoutAdapters = s with { Apm = s.Apm.AndNot(oldA.Apm.AndNot(newA.Apm)) };
        var withoutDomains = withoutAdapters with { Aqm = s.Aqm.AndNot(oldA.Aqm.AndNot(newA.Aqm)) };
        return [withoutAdapters, withoutDomains, filtered];
    }

    void CheckUpdates(string at, StepResult result, Dictionary<string, (ApMatrix Apcb, long Version)> before)
    {
        foreach (var guest in _sim.Engine.Guests)
        {
            var (apcb, version) = before.GetValueOrDefault(guest.Name, (ApMatrix.Empty, 0));
            var updates = result.Updates.Where(u => u.Guest == guest.Name).ToList();
            if (guest.Version - version != updates.Count)
                Fail(at, $"guest {guest.Name} version moved by {guest.Version - version} for {updates.Count} update(s)");
            foreach (var update in updates)
            {
                if (update.Version != ++version) Fail(at, $"guest {guest.Name} update numbered {update.Version}, expected {version}");
                if (update.Apcb == apcb) Fail(at, $"guest {guest.Name} got an update that changes nothing");
                apcb = update.Apcb;
            }
            if (apcb != guest.Apcb) Fail(at, $"guest {guest.Name} holds {EngineText.Masks(guest.Apcb)} but was last sent {EngineText.Masks(apcb)}");
        }
    }

    void CheckEvent(string at, BusEvent e)
    {
        var where = $"{at}, {e}";
        var host = _sim.Engine.Host;
        switch (e.Kind)
        {
            case RecordedEventKind.ConfigChanged:
                _window = (e.Current, e.Previous);
                if (!_batched)
                {
                    ExpectNoChange(where, e);
                    break;
                }
                AtMostOnePerGuest(where, e);
                var removed = Minus(MasksOf(e.Previous), MasksOf(e.Current));
                var added = Minus(MasksOf(e.Current), MasksOf(e.Previous));
                foreach (var (b, a) in e.Before.Zip(e.After))
                {
                    Expect(where, b.Name, "S", Minus(b.Shadow, Intersect(removed, b.Assigned)), a.Shadow);
                    Expect(where, b.Name, "added", added.IsEmpty ? b.Added : Intersect(added, b.Assigned), a.Added);
                }
                foreach (var update in e.Updates)
                    if (!IsSubset(update.Apcb, e.Before.Single(m => m.Name == update.Mdev).Shadow))
                        Fail(where, $"config changed plugged something into {update.Guest}: {EngineText.Masks(update.Apcb)}");
                break;

            case RecordedEventKind.QueueProbed:
            {
                var owner = e.Before.FirstOrDefault(m => m.Holds(e.Apqn));
                if (e.Driver != QueueDriver.VfioAp || owner is null || (_batched && owner.HasPendingQueueAdds))
                {
                    ExpectNoChange(where, e);
                    break;
                }
                var (apm, aqm) = FilterMatrix(owner.Assigned, host, e.BoundAfter.Contains);
                ExpectOnly(where, e, owner, owner.Shadow with { Apm = apm, Aqm = aqm });
                break;
            }

            case RecordedEventKind.QueueRemoved:
            {
                var owner = e.Before.FirstOrDefault(m => m.Holds(e.Apqn));
                if (e.Driver != QueueDriver.VfioAp || owner is null || !owner.PassesThrough(e.Apqn))
                {
                    ExpectNoChange(where, e);
                    break;
                }
                if (_batched && _window is var (current, previous) &&
                    (previous.Apm.AndNot(current.Apm)[e.Apqn.Adapter] || previous.Aqm.AndNot(current.Aqm)[e.Apqn.Domain]))
                    Fail(where, "a queue whose id the config change removed was still passed through");
                ExpectOnly(where, e, owner, owner.Shadow with { Apm = owner.Shadow.Apm.Without(e.Apqn.Adapter) });
                break;
            }

            case RecordedEventKind.ScanComplete:
                _window = null;
                if (!_batched)
                {
                    ExpectNoChange(where, e);
                    break;
                }
                AtMostOnePerGuest(where, e);
                foreach (var (b, a) in e.Before.Zip(e.After))
                {
                    var s = b.Shadow;
                    if (b.Assigned.Apm.Intersects(b.Added.Apm) || b.Assigned.Aqm.Intersects(b.Added.Aqm))
                    {
                        var (apm, aqm) = FilterMatrix(b.Assigned, host, e.BoundAfter.Contains);
                        s = s with { Apm = apm, Aqm = aqm };
                    }
                    if (b.Assigned.Adm.Intersects(b.Added.Adm)) s = s with { Adm = b.Assigned.Adm & host.Adm };
                    Expect(where, b.Name, "S", s, a.Shadow);
                    Expect(where, b.Name, "added", ApMatrix.Empty, a.Added);
                }
                break;

            default:
                ExpectNoChange(where, e);
                break;
        }
    }

    void AtMostOnePerGuest(string where, BusEvent e)
    {
        foreach (var group in e.Updates.GroupBy(u => u.Guest))
            if (group.Count() > 1) Fail(where, $"I9: {group.Count()} updates to {group.Key} in one notification");
    }

    void ExpectNoChange(string where, BusEvent e)
    {
        if (e.Updates.Count > 0) Fail(where, $"expected no update, got {e.Updates.Count}");
        foreach (var (b, a) in e.Before.Zip(e.After))
            if (b != a) Fail(where, $"expected no change, {b} became {a}");
    }

    void ExpectOnly(string where, BusEvent e, MdevView owner, ApMatrix shadow)
    {
        foreach (var (b, a) in e.Before.Zip(e.After))
            if (b.Name == owner.Name) Expect(where, b.Name, "S", shadow, a.Shadow);
            else if (b != a) Fail(where, $"{b.Name} changed though the queue is not its: {b} became {a}");
        if (e.Updates.Count > 1 || e.Updates.Any(u => u.Mdev != owner.Name))
            Fail(where, $"expected at most one update, for {owner.Name}: {string.Join("; ", e.Updates)}");
    }

    void Expect(string where, string mdev, string what, ApMatrix expected, ApMatrix actual)
    {
        if (expected != actual) Fail(where, $"{mdev} {what}: expected [{EngineText.Masks(expected)}], got [{EngineText.Masks(actual)}]");
    }

    void CheckState(string at)
    {
        var engine = _sim.Engine;
        var bus = _sim.Bus;
        var mdevs = engine.Mdevs.ToList();
        var host = engine.Host;

        if (MasksOf(host) != MasksOf(bus.Config)) Fail(at, $"H is [{EngineText.Masks(MasksOf(host))}], the bus has [{EngineText.Masks(MasksOf(bus.Config))}]");
        if (engine.Permissions != bus.Permissions) Fail(at, "the engine's apmask/aqmask differ from the bus's");

        var heard = new Bitmap256[Bitmap256.Capacity];
        foreach (var apqn in _sim.Recorder.Bound) heard[apqn.Adapter] = heard[apqn.Adapter].With(apqn.Domain);
        for (var a = 0; a < Bitmap256.Capacity; a++)
        {
            var busView = bus.DevicesOf(a).AndNot(bus.Permissions.Apmask[a] ? bus.Permissions.Aqmask : Bitmap256.Empty);
            if (engine.BoundDomains(a) != busView || heard[a] != busView)
                Fail(at, $"bound queues of adapter {a}: engine {engine.BoundDomains(a)}, bus {busView}, events {heard[a]}");
        }

        foreach (var m in mdevs)
        {
            if (m.Assigned != _assigned[m.Name]) Fail(at, $"I10: {m.Name} A is [{EngineText.Masks(m.Assigned)}], assigned [{EngineText.Masks(_assigned[m.Name])}]");
            if (m.MaxAdapter != _run.Setup.Host.MaxAdapter || m.MaxDomain != _run.Setup.Host.MaxDomain) Fail(at, $"{m.Name} limits changed");

            if (m.Guest != _guestOf[m.Name]) Fail(at, $"I6: {m.Name} is on guest {m.Guest ?? "-"}, expected {_guestOf[m.Name] ?? "-"}");

            if (m.Guest is { } g && engine.FindGuest(g)?.Apcb != m.Shadow)
                Fail(at, $"I1: guest {g} has [{EngineText.Masks(engine.FindGuest(g)?.Apcb ?? default)}], {m.Name} S is [{EngineText.Masks(m.Shadow)}]");

            if (_batched && !IsSubset(m.Shadow, Intersect(m.Assigned, MasksOf(host))))
                Fail(at, $"I2: {m.Name} S [{EngineText.Masks(m.Shadow)}] not within A ∩ H [{EngineText.Masks(Intersect(m.Assigned, MasksOf(host)))}]");

            foreach (var a in m.Shadow.Apm)
                foreach (var d in m.Shadow.Aqm)
                {
                    var apqn = new Apqn(a, d);
                    if (!m.Assigned.Apm[a] || !m.Assigned.Aqm[d] || !engine.IsBound(apqn) || !_sim.BusBinds(apqn))
                        Fail(at, $"I3: {m.Name} passes {apqn} through but it is not assigned and bound");
                }

            if (AnyReserved(m.Assigned.Apm, m.Assigned.Aqm, bus.Permissions)) Fail(at, $"I5: {m.Name} holds a queue reserved for the host");

            if ((!_sim.InWindow || !_batched) && !m.Added.IsEmpty) Fail(at, $"I11: {m.Name} has pending additions [{EngineText.Masks(m.Added)}] outside a window");
        }

        foreach (var guest in engine.Guests)
        {
            var holders = mdevs.Where(m => m.Guest == guest.Name).Select(m => m.Name).ToList();
            if (holders.Count > 1 || guest.Mdev != holders.SingleOrDefault()) Fail(at, $"I6: guest {guest.Name} says {guest.Mdev ?? "-"}, held by {string.Join(",", holders)}");
            if (guest.Mdev is null && !guest.Apcb.IsEmpty) Fail(at, $"I1: guest {guest.Name} holds no mdev but has [{EngineText.Masks(guest.Apcb)}]");
        }

        for (var i = 0; i < mdevs.Count; i++)
            for (var j = i + 1; j < mdevs.Count; j++)
                if (CrossProductsMeet(mdevs[i].Assigned, mdevs[j].Assigned)) Fail(at, $"I4: {mdevs[i].Name} and {mdevs[j].Name} share queues");
    }

    /// <summary>I12 on a replayed copy, since unbinding and rebinding every queue disturbs the engine.</summary>
    void CheckOwnership(string at, int stepsDone)
    {
        var copy = Simulation.Replay(_run.Setup, _steps.Take(stepsDone));
        var engine = copy.Engine;
        if (EngineText.Of(engine) != EngineText.Of(_sim.Engine)) Fail(at, "a replay of the same steps gave a different engine");
        if (engine.Mdevs.Any(m => !m.Added.IsEmpty)) engine.OnScanComplete();

        var bound = new List<Apqn>();
        for (var a = 0; a < Bitmap256.Capacity; a++)
            foreach (var d in engine.BoundDomains(a))
                bound.Add(new Apqn(a, d));
        var views = MdevView.Of(engine);
        // Queues nobody holds go first: a stale owner shows only while its S still differs from a fresh filter.
        foreach (var apqn in bound.OrderBy(q => views.Any(m => m.Holds(q))))
        {
            var before = MdevView.Of(engine);
            var owner = before.FirstOrDefault(m => m.Holds(apqn));

            engine.OnQueueRemoved(apqn);
            var unbound = MdevView.Of(engine);
            foreach (var (b, u) in before.Zip(unbound))
            {
                var expected = b == owner && owner.PassesThrough(apqn) ? b.Shadow with { Apm = b.Shadow.Apm.Without(apqn.Adapter) } : b.Shadow;
                if (u.Shadow != expected) Fail(at, $"I12: unbinding {apqn} left {b.Name} S [{EngineText.Masks(u.Shadow)}], expected [{EngineText.Masks(expected)}]");
            }

            engine.OnQueueProbed(apqn);
            foreach (var (u, p) in unbound.Zip(MdevView.Of(engine)))
            {
                var expected = u.Shadow;
                if (u.Name == owner?.Name)
                {
                    var (apm, aqm) = FilterMatrix(u.Assigned, engine.Host, copy.BusBinds);
                    expected = expected with { Apm = apm, Aqm = aqm };
                }
                if (p.Shadow != expected) Fail(at, $"I12: binding {apqn} left {u.Name} S [{EngineText.Masks(p.Shadow)}], expected [{EngineText.Masks(expected)}]");
            }
        }
    }

    void Fail(string at, string message)
    {
        var text = new StringBuilder();
        text.AppendLine($"{at}: {message}");
        text.AppendLine($"set-up: {_run.Setup}");
        foreach (var line in _log) text.AppendLine($"  {line}");
        text.Append("engine now:\n").Append(EngineText.Of(_sim.Engine));
        throw new InvariantViolation(text.ToString());
    }
}
