using Apmatrix.Contracts;
using Apmatrix.Scenarios;
using Apmatrix.Scenarios.Stack;

namespace Apmatrix.Apctl.Commands;

/// <summary><c>apctl scenario run</c>: reads every file first, so a malformed one stops the run before anything runs.</summary>
public static class ScenarioCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var keyFileAt = Array.IndexOf(args, "--api-key-file");
        var keyFile = keyFileAt >= 0 && keyFileAt + 1 < args.Length ? args[keyFileAt + 1] : null;
        if (keyFile is not null) args = [.. args[..keyFileAt], .. args[(keyFileAt + 2)..]];
        var formAt = Array.IndexOf(args, "--form");
        var form = BusEventForm.Grouped;
        if (formAt >= 0)
        {
            if (formAt + 1 >= args.Length || !BusEventForms.TryParse(args[formAt + 1], out form))
            {
                Console.Error.WriteLine("apctl scenario run: --form is grouped or per-queue");
                return 2;
            }
            args = [.. args[..formAt], .. args[(formAt + 2)..]];
        }
        var stack = args.Contains("--stack");
        var paths = args.Where(a => a != "--stack").ToList();
        if (paths.Count == 0 || paths.Any(p => p.StartsWith("--")))
        {
            Console.Error.WriteLine("apctl scenario run: give scenario files or directories (and optionally --stack [--api-key-file FILE] [--form grouped|per-queue])");
            return 2;
        }
        var endpoints = StackEndpoints.FromEnvironment();
        if (stack && keyFile is not null) endpoints = endpoints with { ApiKey = (await File.ReadAllTextAsync(keyFile)).Trim() };
        List<Scenario> scenarios;
        try
        {
            scenarios = Expand(paths).Select(ScenarioReader.ReadFile).ToList();
        }
        catch (ScenarioFormatException e)
        {
            Console.Error.WriteLine($"malformed scenario: {e.Message}");
            return 2;
        }
        var results = new List<ScenarioResult>();
        foreach (var scenario in scenarios)
        {
            await using IScenarioTarget target = stack
                ? new StackTarget(endpoints, StackTarget.HostIdFor(scenario), form)
                : new InProcessTarget();
            results.Add(await ScenarioRunner.RunAsync(scenario, target));
        }
        Console.WriteLine(ScenarioReport.Serialize(results));
        foreach (var result in results) PrintGuests(result);
        foreach (var failed in results.Where(r => !r.Passed))
        {
            Console.Error.WriteLine($"FAIL {failed.Scenario.File} ({failed.Scenario.Name})");
            foreach (var line in failed.Failures) Console.Error.WriteLine($"  {line}");
        }
        var passed = results.Count(r => r.Passed);
        Console.Error.WriteLine(passed == results.Count
            ? $"all expectations met: {passed} scenario(s)"
            : $"{results.Count - passed} of {results.Count} scenario(s) failed");
        return passed == results.Count ? 0 : 1;
    }

    static void PrintGuests(ScenarioResult result)
    {
        Console.Error.WriteLine($"{result.Scenario.Name}");
        foreach (var (guest, state) in result.Outcome?.Guests ?? new Dictionary<string, GuestOutcome>())
            Console.Error.WriteLine($"  {guest,-8} apm {state.Apcb.Apm,-12} aqm {state.Apcb.Aqm,-12} adm {state.Apcb.Adm,-12} {state.Updates} update(s)");
    }

    static IEnumerable<string> Expand(IEnumerable<string> paths) => paths.SelectMany<string, string>(path => Directory.Exists(path)
        ? Directory.GetFiles(path, "*.json").Order(StringComparer.Ordinal)
        : [path]);
}
