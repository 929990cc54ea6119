using System.Text.Json;
using System.Text.Json.Serialization;
using Apmatrix.Engine;

namespace Apmatrix.Scenarios;

/// <summary>The JSON a run prints: the shape of <c>expect</c>, plus each mdev's matrix and guest matrix.</summary>
public static class ScenarioReport
{
    static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static ScenarioResultJson ToJson(ScenarioResult result) => new(
        result.Scenario.File,
        result.Scenario.Name,
        HotPlugModes.Name(result.Scenario.Mode),
        result.Passed,
        result.Failures,
        (result.Outcome?.Guests ?? new Dictionary<string, GuestOutcome>()).ToDictionary(
            g => g.Key, g => new GuestOutcomeJson(g.Value.Apcb.Apm.ToRangeList(), g.Value.Apcb.Aqm.ToRangeList(), g.Value.Apcb.Adm.ToRangeList(), g.Value.Updates)),
        (result.Outcome?.Mdevs ?? new Dictionary<string, MdevOutcome>()).ToDictionary(
            m => m.Key, m => new MdevOutcomeJson(m.Value.Matrix, m.Value.GuestMatrix)),
        result.Host);

    public static string Serialize(IReadOnlyList<ScenarioResult> results) => results.Count == 1
        ? JsonSerializer.Serialize(ToJson(results[0]), Options)
        : JsonSerializer.Serialize(results.Select(ToJson).ToList(), Options);
}
