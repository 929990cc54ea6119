using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.Scenarios;

/// <summary>Runs a scenario on the engine with a simulated AP bus in front of it: no servers.</summary>
public sealed class InProcessTarget : IScenarioTarget
{
    HostBus _bus = null!;
    VfioApEngine _engine = null!;
    ApConfig _host;
    readonly Dictionary<string, long> _versionsAfterSetUp = [];
    readonly HashSet<string> _guests = [];

    public VfioApEngine Engine => _engine;

    public Task SetUpAsync(Scenario scenario, CancellationToken cancellationToken)
    {
        _host = scenario.Host;
        _bus = new HostBus(scenario.Host, scenario.Permissions);
        _engine = new VfioApEngine(scenario.Host, scenario.Permissions, scenario.Mode);
        _bus.Scan(scenario.Host, _engine);
        foreach (var mdev in scenario.Mdevs)
        {
            _engine.CreateMdev(mdev.Name);
            foreach (var id in mdev.Adapters) _engine.AssignAdapter(mdev.Name, id);
            foreach (var id in mdev.Domains) _engine.AssignDomain(mdev.Name, id);
            foreach (var id in mdev.ControlDomains) _engine.AssignControlDomain(mdev.Name, id);
            if (mdev.Guest is { } guest)
            {
                _engine.Attach(mdev.Name, guest);
                _guests.Add(guest);
            }
        }
        foreach (var guest in _engine.Guests) _versionsAfterSetUp[guest.Name] = guest.Version;
        _engine.ClearUpdates();
        return Task.CompletedTask;
    }

    /// <summary>A refused step must leave the engine as it was (scenario format: "change nothing").</summary>
    public Task ApplyAsync(ScenarioStep step, CancellationToken cancellationToken)
    {
        var before = _engine.Capture();
        try
        {
            Apply(step);
        }
        catch (MatrixException e) when (!_engine.Capture().SameAs(before))
        {
            throw new ScenarioViolationException($"refused with {e.KindName} but changed the engine's state");
        }
        finally
        {
            _engine.ClearUpdates();
        }
        return Task.CompletedTask;
    }

    void Apply(ScenarioStep step)
    {
        switch (step.Op)
        {
            case StepOp.Config:
                _bus.Scan(HostConfig(step.Config), _engine);
                break;
            case StepOp.ConfigChanged:
                _bus.ChangeConfig(HostConfig(step.Config), _engine);
                break;
            case StepOp.ScanComplete:
                _bus.CompleteScan(_engine);
                break;
            case StepOp.Probe:
                InRange(step.Apqn);
                _bus.Probe(step.Apqn, _engine);
                break;
            case StepOp.Remove:
                InRange(step.Apqn);
                if (!_bus.Remove(step.Apqn, _engine))
                    throw new MatrixException(MatrixErrorKind.NotFound, $"no queue device {step.Apqn} on the bus");
                break;
            case StepOp.SetMasks:
                _engine.EnsurePermissionsAllowed(step.Masks);
                _bus.SetPermissions(step.Masks, _engine);
                break;
            case StepOp.AssignAdapter:
                _engine.AssignAdapter(step.Mdev, step.Id);
                break;
            case StepOp.AssignDomain:
                _engine.AssignDomain(step.Mdev, step.Id);
                break;
            case StepOp.AssignControlDomain:
                _engine.AssignControlDomain(step.Mdev, step.Id);
                break;
            case StepOp.UnassignAdapter:
                _engine.UnassignAdapter(step.Mdev, step.Id);
                break;
            case StepOp.UnassignDomain:
                _engine.UnassignDomain(step.Mdev, step.Id);
                break;
            case StepOp.UnassignControlDomain:
                _engine.UnassignControlDomain(step.Mdev, step.Id);
                break;
            case StepOp.Attach:
                // Reported even when the attach is refused: the stack's guest exists before VfioAp is asked.
                _guests.Add(step.Guest);
                _engine.Attach(step.Mdev, step.Guest);
                break;
            case StepOp.Detach:
                _engine.Detach(step.Mdev);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step.Op, "unknown step");
        }
    }

    void InRange(Apqn apqn)
    {
        if (!_bus.Config.Allows(apqn)) throw new MatrixException(MatrixErrorKind.OutOfRange, _bus.Config.OutOfRangeMessage(apqn));
    }

    /// <summary>The step's configuration; ids above the maxima are refused, as ApBus refuses them.</summary>
    ApConfig HostConfig(ApMatrix masks)
    {
        var config = _host with { Apm = masks.Apm, Aqm = masks.Aqm, Adm = masks.Adm };
        return config.AboveMaximaText() is { } above ? throw new MatrixException(MatrixErrorKind.OutOfRange, above) : config;
    }

    public Task<ScenarioOutcome> ReadOutcomeAsync(CancellationToken cancellationToken)
    {
        var guests = new SortedDictionary<string, GuestOutcome>(StringComparer.Ordinal);
        foreach (var name in _guests)
        {
            var state = _engine.FindGuest(name);
            guests[name] = new GuestOutcome(state?.Apcb ?? ApMatrix.Empty,
                (state?.Version ?? 0) - _versionsAfterSetUp.GetValueOrDefault(name));
        }
        var mdevs = new SortedDictionary<string, MdevOutcome>(StringComparer.Ordinal);
        foreach (var mdev in _engine.Mdevs)
            mdevs[mdev.Name] = new MdevOutcome(SysfsText.MatrixLines(mdev.Assigned.Apm, mdev.Assigned.Aqm),
                SysfsText.MatrixLines(mdev.Shadow.Apm, mdev.Shadow.Aqm));
        return Task.FromResult(new ScenarioOutcome(guests, mdevs));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
