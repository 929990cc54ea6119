using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.Scenarios;

/// <summary>Plays a scenario's steps on a target and checks each expected error and every guest's end state.</summary>
public static class ScenarioRunner
{
    public static async Task<ScenarioResult> RunAsync(Scenario scenario, IScenarioTarget target, CancellationToken cancellationToken = default)
    {
        var failures = new List<string>();
        try
        {
            await target.SetUpAsync(scenario, cancellationToken);
        }
        catch (MatrixException e)
        {
            failures.Add($"set-up failed with {e.KindName}: {e.Message}");
        }
        foreach (var step in failures.Count == 0 ? scenario.Steps : [])
        {
            var failure = await ApplyAsync(target, step, cancellationToken);
            if (failure is null) continue;
            failures.Add($"step {step.Index} ({step}): {failure}");
            break;
        }
        var outcome = await target.ReadOutcomeAsync(cancellationToken);
        if (failures.Count == 0) failures.AddRange(Compare(scenario.Expect, outcome));
        return new ScenarioResult(scenario, outcome, failures);
    }

    static async Task<string?> ApplyAsync(IScenarioTarget target, ScenarioStep step, CancellationToken cancellationToken)
    {
        try
        {
            await target.ApplyAsync(step, cancellationToken);
        }
        catch (ScenarioViolationException e)
        {
            return e.Message;
        }
        catch (MatrixException e)
        {
            if (step.ExpectError == e.Kind) return null;
            return step.ExpectError is { } expected
                ? $"expected error {MatrixException.Name(expected)}, got {e.KindName}: {e.Message}"
                : $"failed with {e.KindName}: {e.Message}";
        }
        return step.ExpectError is { } kind ? $"expected error {MatrixException.Name(kind)}, but the step succeeded" : null;
    }

    public static IEnumerable<string> Compare(IReadOnlyDictionary<string, GuestExpectation> expect, ScenarioOutcome outcome)
    {
        foreach (var (guest, expected) in expect)
        {
            var actual = outcome.Guests.GetValueOrDefault(guest) ?? new GuestOutcome(ApMatrix.Empty, 0);
            foreach (var line in Diff(guest, "apm", expected.Apm, actual.Apcb.Apm)
                         .Concat(Diff(guest, "aqm", expected.Aqm, actual.Apcb.Aqm))
                         .Concat(Diff(guest, "adm", expected.Adm, actual.Apcb.Adm)))
                yield return line;
            if (expected.Updates != actual.Updates)
                yield return $"{guest}.updates: expected {expected.Updates}, got {actual.Updates}";
        }
    }

    static IEnumerable<string> Diff(string guest, string mask, Bitmap256 expected, Bitmap256 actual)
    {
        if (expected == actual) yield break;
        var missing = expected.AndNot(actual);
        var extra = actual.AndNot(expected);
        var detail = string.Join("; ", new[]
        {
            missing.IsEmpty ? null : $"missing {missing}",
            extra.IsEmpty ? null : $"unexpected {extra}",
        }.OfType<string>());
        yield return $"{guest}.{mask}: expected \"{expected}\", got \"{actual}\" ({detail})";
    }
}
