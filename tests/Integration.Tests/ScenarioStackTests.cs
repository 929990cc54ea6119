using System.Text.Json;
using Apmatrix.Scenarios;
using Apmatrix.Scenarios.Stack;

namespace Apmatrix.Integration.Tests;

/// <summary>Every scenario file through ApBus, RabbitMQ, VfioAp, PostgreSQL and GuestVm gives what the in-process engine gives.</summary>
[Collection("stack")]
public class ScenarioStackTests(StackFixture stack)
{
    public static TheoryData<string> Files()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "scenarios");
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(root, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(root, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Should_end_as_the_engine_ends(string file)
    {
        var scenario = ScenarioReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "scenarios", file));
        await using var inProcess = new InProcessTarget();
        var expected = await ScenarioRunner.RunAsync(scenario, inProcess);

        await using var target = new StackTarget(new StackEndpoints(stack.ApBus, stack.VfioAp, stack.GuestVm, stack.Keys.Operator), StackTarget.HostIdFor(scenario));
        var actual = await ScenarioRunner.RunAsync(scenario, target);

        Assert.True(actual.Passed, string.Join("\n", actual.Failures));
        Assert.Equal(Comparable(expected), Comparable(actual));
    }

    static string Comparable(ScenarioResult result) =>
        JsonSerializer.Serialize(ScenarioReport.ToJson(result) with { File = "", Failures = [] }, new JsonSerializerOptions { WriteIndented = true });
}
