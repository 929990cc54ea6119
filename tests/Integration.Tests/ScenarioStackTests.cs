using Apmatrix.Contracts;
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
    public async Task Should_end_as_the_engine_ends(string file, BusEventForm form)
    {
        var scenario = ScenarioReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "scenarios", file));
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
