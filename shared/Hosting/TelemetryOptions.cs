namespace Apmatrix.Hosting;

/// <summary>Tracing settings (configuration section <c>Telemetry</c>); spans leave only when an exporter is configured.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>
    /// The share of new traces (config changes, API calls) recorded; a recorded trace is recorded whole, downstream
    /// included, since every span follows its parent's decision. One in a hundred keeps a traced per-queue full-scale
    /// scan (about 200,000 spans, three per bus event) a rare event rather than the exporter's steady load.
    /// </summary>
    public double SampleRatio { get; set; } = 0.01;

    /// <summary>Spans are also written to standard output: a demo without a trace receiver.</summary>
    public bool Console { get; set; }
}
