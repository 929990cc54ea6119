using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.Scenarios;

/// <summary>
/// One scenario file: a host, its mdevs and guests, steps, and what every guest must end with. <see cref="Ignored"/>: the
/// JSON paths of fields the format does not define, which the reader passed over.
/// </summary>
public sealed record Scenario(
    string File,
    string Name,
    HotPlugMode Mode,
    ApConfig Host,
    ApPermissions Permissions,
    IReadOnlyList<ScenarioMdev> Mdevs,
    IReadOnlyList<ScenarioStep> Steps,
    IReadOnlyDictionary<string, GuestExpectation> Expect)
{
    public IReadOnlyList<string> Ignored { get; init; } = [];
}
