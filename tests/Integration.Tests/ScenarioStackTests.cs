using Apmatrix.Contracts;
using Apmatrix.Engine;
using System.Text.Json;
using Apmatrix.Scenarios;
using Apmatrix.Scenarios.Stack;

namespace Apmatrix.Integration.Tests;

/// <summary>
/// Every scenario file through ApBus, RabbitMQ, VfioAp, PostgreSQL and GuestVm gives what the in-process engine gives,
/// with the host's bus events grouped and per queue alike.
/// </summary>
[Collection("stack")]
public class ScenarioStackTests(StackFixture stack)
{
    public static TheoryData<string, BusEventForm> Files()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "scenarios");
        var data = new TheoryData<string, BusEventForm>();
        foreach (var file in Directory.GetFiles(root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            foreach (var form in Enum.GetValues<BusEventForm>())
                data.Add(Path.GetRelativePath(root, file), form);
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public Task Should_end_as_the_engine_ends(string file, BusEventForm form) =>
        EndsAsTheEngineAsync(ScenarioReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "scenarios", file)), form);

    /// <summary>Seeds of generated scenarios, the two forms in turn; 36 assigns an id out of range to an mdev that does not exist.</summary>
    public static TheoryData<int, BusEventForm> Seeds()
    {
        var data = new TheoryData<int, BusEventForm>();
        foreach (var seed in Enumerable.Range(1, 16).Append(36)) data.Add(seed, seed % 2 == 0 ? BusEventForm.PerQueue : BusEventForm.Grouped);
        return data;
    }

    /// <summary>Generated with an administrator's steps inside config-changed windows, some left open, and stray probes and removals.</summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Generated_scenarios_end_as_the_engine_ends(int seed, BusEventForm form) =>
        await EndsAsTheEngineAsync(await WithEngineAnswersAsync(ScenarioReader.Read($"generated-{seed}.json",
            new ScenarioGenerator(seed, interleave: true).Json())), form);

    /// <summary>The scenario with the engine's refusals as expected errors and its guests' ends as expectations, so every step runs.</summary>
    static async Task<Scenario> WithEngineAnswersAsync(Scenario scenario)
    {
        await using var engine = new InProcessTarget();
        await engine.SetUpAsync(scenario, CancellationToken.None);
        var steps = new List<ScenarioStep>();
        foreach (var step in scenario.Steps)
            try
            {
                await engine.ApplyAsync(step, CancellationToken.None);
                steps.Add(step);
            }
            catch (MatrixException e)
            {
                steps.Add(step with { ExpectError = e.Kind });
            }
        var guests = (await engine.ReadOutcomeAsync(CancellationToken.None)).Guests;
        return scenario with
        {
            Steps = steps,
            Expect = guests.ToDictionary(g => g.Key, g => new GuestExpectation(g.Value.Apcb.Apm, g.Value.Apcb.Aqm, g.Value.Apcb.Adm, g.Value.Updates)),
        };
    }

    async Task EndsAsTheEngineAsync(Scenario scenario, BusEventForm form)
    {
        await using var inProcess = new InProcessTarget();
        var expected = await ScenarioRunner.RunAsync(scenario, inProcess);

        await using var target = new StackTarget(new StackEndpoints(stack.ApBus, stack.VfioAp, stack.GuestVm, stack.Keys.Operator), StackTarget.HostIdFor(scenario), form);
        var actual = await ScenarioRunner.RunAsync(scenario, target);

        Assert.True(actual.Passed, string.Join("\n", actual.Failures));
        Assert.Equal(Comparable(expected), Comparable(actual));
    }

    static string Comparable(ScenarioResult result) =>
        JsonSerializer.Serialize(ScenarioReport.ToJson(result) with { File = "", Failures = [] }, new JsonSerializerOptions { WriteIndented = true });
}
