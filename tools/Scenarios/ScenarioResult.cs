namespace Apmatrix.Scenarios;

/// <summary>What one scenario run gave: its outcome and every unmet expectation, in words; on a stack, the host it ran on.</summary>
public sealed record ScenarioResult(Scenario Scenario, ScenarioOutcome? Outcome, IReadOnlyList<string> Failures)
{
    public string? Host { get; init; }

    public bool Passed => Failures.Count == 0;
}
