using System.CommandLine;
using System.Net;
using Apmatrix.Apctl.Cli;
using Apmatrix.Contracts;
using Apmatrix.Engine;
using Apmatrix.Scenarios;
using Apmatrix.Scenarios.Stack;

namespace Apmatrix.Apctl.Commands;

/// <summary><c>apctl scenario run</c>: reads every file first, so a malformed one stops the run before anything runs.</summary>
public static class ScenarioCommand
{
    public static Command Build(Io io)
    {
        var paths = new Argument<string[]>("files") { Description = "scenario files, or directories meaning every *.json in them", Arity = ArgumentArity.OneOrMore };
        var stack = new Option<bool>("--stack") { Description = "drive the running services instead of the rules engine in-process" };
        var form = new Option<string>("--form") { Description = "how ApBus sends the scenario host's bus events (--stack)", DefaultValueFactory = _ => "grouped" }
            .AcceptOnlyFromAmong("grouped", "per-queue");
        var run = new Command("run", "runs scenario files and reports each guest's APCB and updates; exit 1 when an expectation is unmet") { paths, stack, form };
        run.OnlyWith(form, stack, "in-process there is no bus");
        var command = new Command("scenario", "scenario files (tests/scenarios/README.md)");
        command.Subcommands.Add(run.Does(io, async (parse, session, ct) =>
        {
            List<Scenario> scenarios;
            try
            {
                scenarios = Expand(parse.GetValue(paths)!).Select(ScenarioReader.ReadFile).ToList();
            }
            catch (Exception e) when (e is ScenarioFormatException or IOException or UnauthorizedAccessException)
            {
                throw new ApctlException(ExitCodes.BadInput, $"malformed scenario: {e.Message}");
            }
            if (scenarios.Count == 0)
                throw new ApctlException(ExitCodes.BadInput, $"no scenario file (*.json) in {string.Join(" ", parse.GetValue(paths)!)}");
            foreach (var scenario in scenarios)
                foreach (var field in scenario.Ignored)
                    await session.Error.WriteLineAsync($"{scenario.File}: {field}: not a field of the format, ignored");
            BusEventForms.TryParse(parse.GetValue(form), out var eventForm);
            var onStack = parse.GetValue(stack);
            var results = new List<ScenarioResult>();
            foreach (var (scenario, index) in scenarios.Select((s, i) => (s, i + 1)))
            {
                if (scenarios.Count > 1) await session.Error.WriteLineAsync($"[{index}/{scenarios.Count}] {scenario.File}");
                var host = onStack ? StackTarget.HostIdFor(scenario) : null;
                await using IScenarioTarget target = host is null ? new InProcessTarget() : new StackTarget(session.Endpoints, host, eventForm);
                try
                {
                    results.Add(await ScenarioRunner.RunAsync(scenario, target, ct) with { Host = host });
                }
                catch (HttpRequestException e) when (e.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    // As every other verb: the stack refusing the request or its key is bad input, not the stack being away.
                    throw new ApctlException(ExitCodes.BadInput, e.StatusCode == HttpStatusCode.Unauthorized
                        ? $"{scenario.File}: the stack does not know the API key (APMATRIX_API_KEY or --api-key-file)"
                        : $"{scenario.File}: the stack refused: {e.Message}");
                }
                catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                    throw new ApctlException(ExitCodes.Unavailable, $"{scenario.File}: the stack did not answer: {e.Message}");
                }
            }
            var passed = results.Count(r => r.Passed);
            if (session.Json) await session.Out.WriteLineAsync(ScenarioReport.Serialize(results));
            var summary = session.Json ? session.Error : session.Out;
            foreach (var result in results) PrintGuests(summary, result);
            foreach (var failed in results.Where(r => !r.Passed))
            {
                await session.Error.WriteLineAsync($"FAIL {failed.Scenario.File} ({failed.Scenario.Name})");
                foreach (var line in failed.Failures) await session.Error.WriteLineAsync($"  {line}");
            }
            await summary.WriteLineAsync(passed == results.Count
                ? $"all expectations met: {passed} scenario(s)"
                : $"{results.Count - passed} of {results.Count} scenario(s) failed");
            return passed == results.Count ? ExitCodes.Done : ExitCodes.Refused;
        }));
        return command;
    }

    static void PrintGuests(TextWriter output, ScenarioResult result)
    {
        output.WriteLine($"{result.Scenario.Name}");
        foreach (var (guest, state) in result.Outcome?.Guests ?? new Dictionary<string, GuestOutcome>())
            output.WriteLine($"  {guest,-8} apm {HostCommands.Text(state.Apcb.Apm.ToRangeList()),-12} aqm {HostCommands.Text(state.Apcb.Aqm.ToRangeList()),-12} " +
                             $"adm {HostCommands.Text(state.Apcb.Adm.ToRangeList()),-12} {state.Updates} update(s)");
    }

    static IEnumerable<string> Expand(IEnumerable<string> paths) => paths.SelectMany<string, string>(path => Directory.Exists(path)
        ? Directory.GetFiles(path, "*.json").Order(StringComparer.Ordinal)
        : [path]);
}
