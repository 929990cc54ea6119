using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.Scenarios;

/// <summary>One scenario file: a host, its mdevs and guests, steps, and what every guest must end with.</summary>
public sealed record Scenario(
    string File,
    string Name,
    HotPlugMode Mode,
    ApConfig Host,
    ApPermissions Permissions,
    IReadOnlyList<ScenarioMdev> Mdevs,
    IReadOnlyList<ScenarioStep> Steps,
    IReadOnlyDictionary<string, GuestExpectation> Expect);
