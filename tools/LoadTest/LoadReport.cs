namespace Apmatrix.LoadTest;

/// <summary>A load run's whole outcome: the report's JSON is this record. <paramref name="Otlp"/>: what the services exported with telemetry on.</summary>
public sealed record LoadReport(string Name, DateTimeOffset Started, RunEnvironment Environment, LoadOptions Options, IReadOnlyList<CeilingResult> Ceilings,
    IReadOnlyList<ModeResult> Modes, IReadOnlyList<TargetResult> Targets, IReadOnlyDictionary<string, long>? ErrorQueues,
    IReadOnlyList<string> Failures, OtlpReceived? Otlp = null)
{
    /// <summary>Passed means exact: the final state and the message checks; speed targets are reported, not judged here.</summary>
    public bool Passed => Failures.Count == 0 && Modes.All(m => m.Exact);
}
