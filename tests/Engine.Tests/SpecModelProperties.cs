using Apmatrix.ApModel;
using Apmatrix.Engine.Tests.Model;
using Apmatrix.Scenarios;
using Xunit.Abstractions;

namespace Apmatrix.Engine.Tests;

/// <summary>
/// The engine against a second, separately written reading of the spec (<see cref="SpecModel"/>) on generated scenarios:
/// every step must succeed or fail with the same kind in both, and every guest and mdev must end the same. Interleaved, an
/// administrator's steps also fall inside config-changed windows, some of which never see their scan complete.
/// </summary>
public class SpecModelProperties(ITestOutputHelper output)
{
    const int Scenarios = 3000;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Generated_scenarios_end_as_the_spec_model_says(bool interleave)
    {
        var differences = new List<string>();
        for (var seed = 0; seed < Scenarios && differences.Count < 5; seed++)
        {
            var json = new ScenarioGenerator(seed, interleave).Json();
            if (await DifferenceAsync(ScenarioReader.Read($"generated-{seed}.json", json)) is { } difference)
            {
                differences.Add($"seed {seed}: {difference}");
                output.WriteLine($"seed {seed}: {difference}\n{json}");
            }
        }
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    static async Task<string?> DifferenceAsync(Scenario scenario)
    {
        await using var engine = new InProcessTarget();
        await using var model = new SpecModelTarget();
        await engine.SetUpAsync(scenario, CancellationToken.None);
        await model.SetUpAsync(scenario, CancellationToken.None);
        foreach (var step in scenario.Steps)
        {
            var (engineError, modelError) = (await ErrorOf(engine, step), await ErrorOf(model, step));
            if (engineError != modelError)
                return $"step {step.Index} ({step}): engine {engineError ?? "succeeded"}, model {modelError ?? "succeeded"}";
        }
        var (ended, expected) = (await engine.ReadOutcomeAsync(CancellationToken.None), await model.ReadOutcomeAsync(CancellationToken.None));
        // A guest a target never reports holds nothing and was sent nothing, as the scenario runner reads it.
        var none = new GuestOutcome(ApMatrix.Empty, 0);
        foreach (var guest in ended.Guests.Keys.Union(expected.Guests.Keys))
            if (ended.Guests.GetValueOrDefault(guest, none) != expected.Guests.GetValueOrDefault(guest, none))
                return $"guest {guest}: engine {ended.Guests.GetValueOrDefault(guest, none)}, model {expected.Guests.GetValueOrDefault(guest, none)}";
        foreach (var mdev in ended.Mdevs.Keys.Union(expected.Mdevs.Keys))
        {
            var (a, b) = (ended.Mdevs.GetValueOrDefault(mdev), expected.Mdevs.GetValueOrDefault(mdev));
            if (a is null || b is null || !a.Matrix.SequenceEqual(b.Matrix) || !a.GuestMatrix.SequenceEqual(b.GuestMatrix))
                return $"mdev {mdev}: engine [{Show(a)}], model [{Show(b)}]";
        }
        return null;
    }

    static async Task<string?> ErrorOf(IScenarioTarget target, ScenarioStep step)
    {
        try
        {
            await target.ApplyAsync(step, CancellationToken.None);
            return null;
        }
        catch (MatrixException e)
        {
            return e.KindName;
        }
    }

    static string Show(MdevOutcome? mdev) =>
        mdev is null ? "none" : $"matrix {string.Join(' ', mdev.Matrix)}; guest matrix {string.Join(' ', mdev.GuestMatrix)}";
}
