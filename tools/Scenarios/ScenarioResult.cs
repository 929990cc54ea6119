namespace Apmatrix.Scenarios;

/// <summary>What one scenario run gave: its outcome and every unmet expectation, in words.</summary>
public sealed record ScenarioResult(Scenario Scenario, ScenarioOutcome? Outcome, IReadOnlyList<string> Failures)
{
    public bool Passed => Failures.Count == 0;
}
