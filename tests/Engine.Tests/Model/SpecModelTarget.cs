using Apmatrix.ApModel;
using Apmatrix.Engine;
using Apmatrix.Scenarios;

namespace Apmatrix.Engine.Tests.Model;

/// <summary>Runs a scenario on <see cref="SpecModel"/>: the second, independent reading of the spec for differential tests.</summary>
public sealed class SpecModelTarget : IScenarioTarget
{
    SpecModel? _model;

    SpecModel Model => _model ?? throw new InvalidOperationException("SetUpAsync has not run");

    public Task SetUpAsync(Scenario scenario, CancellationToken cancellationToken)
    {
        var model = new SpecModel(scenario.Host, scenario.Permissions, scenario.Mode == HotPlugMode.Batched);
        // Mdevs are created and assigned first, then attached; set-up updates are not counted (scenario README "mdevs").
        foreach (var mdev in scenario.Mdevs)
            model.CreateMdev(mdev.Name, mdev.Adapters, mdev.Domains, mdev.ControlDomains);
        foreach (var mdev in scenario.Mdevs)
            if (mdev.Guest is { } guest)
                model.Attach(mdev.Name, guest);
        model.ResetCounts();
        _model = model;
        return Task.CompletedTask;
    }

    public Task ApplyAsync(ScenarioStep step, CancellationToken cancellationToken)
    {
        var model = Model;
        switch (step.Op)
        {
            case StepOp.Config: model.Config(step.Config); break;
            case StepOp.ConfigChanged: model.ConfigChanged(step.Config); break;
            case StepOp.Probe: model.Probe(step.Apqn); break;
            case StepOp.Remove: model.Remove(step.Apqn); break;
            case StepOp.ScanComplete: model.ScanComplete(); break;
            case StepOp.AssignAdapter: model.Assign(step.Mdev, step.Id, SpecModel.Dimension.Adapter); break;
            case StepOp.AssignDomain: model.Assign(step.Mdev, step.Id, SpecModel.Dimension.Domain); break;
            case StepOp.AssignControlDomain: model.Assign(step.Mdev, step.Id, SpecModel.Dimension.ControlDomain); break;
            case StepOp.UnassignAdapter: model.Unassign(step.Mdev, step.Id, SpecModel.Dimension.Adapter); break;
            case StepOp.UnassignDomain: model.Unassign(step.Mdev, step.Id, SpecModel.Dimension.Domain); break;
            case StepOp.UnassignControlDomain: model.Unassign(step.Mdev, step.Id, SpecModel.Dimension.ControlDomain); break;
            case StepOp.Attach: model.Attach(step.Mdev, step.Guest); break;
            case StepOp.Detach: model.Detach(step.Mdev); break;
            case StepOp.SetMasks: model.SetMasks(step.Masks); break;
            default: throw new ScenarioViolationException($"step {step.Index}: op {step.OpName} is not modelled");
        }
        return Task.CompletedTask;
    }

    public Task<ScenarioOutcome> ReadOutcomeAsync(CancellationToken cancellationToken)
    {
        var model = Model;
        var guests = model.Guests.ToDictionary(g => g.Name, g => new GuestOutcome(g.Apcb, g.Updates), StringComparer.Ordinal);
        var mdevs = model.Mdevs.ToDictionary(
            m => m.Name,
            m => new MdevOutcome(SysfsText.MatrixLines(m.Apm, m.Aqm), SysfsText.MatrixLines(m.ShadowApm, m.ShadowAqm)),
            StringComparer.Ordinal);
        return Task.FromResult(new ScenarioOutcome(guests, mdevs));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
