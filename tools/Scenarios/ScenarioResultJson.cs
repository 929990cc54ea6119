namespace Apmatrix.Scenarios;

/// <summary>One scenario's result as <see cref="ScenarioReport"/> prints it: sets as range lists, the mode by its API name.</summary>
public sealed record ScenarioResultJson(
    string File, string Name, string Mode, bool Passed, IReadOnlyList<string> Failures,
    IReadOnlyDictionary<string, GuestOutcomeJson> Guests, IReadOnlyDictionary<string, MdevOutcomeJson> Mdevs, string? Host);
