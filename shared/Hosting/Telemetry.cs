using System.Diagnostics;
using MassTransit.Logging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Apmatrix.Hosting;

/// <summary>
/// OpenTelemetry: tracing (requests, HTTP calls, SQL commands, MassTransit's publish, receive and consume spans and the
/// services' own, <see cref="SourcePrefix"/>) and the OTLP export of the meters /metrics serves. Tracing is registered
/// only when spans have somewhere to go, so without an exporter nothing listens and no activity is even created.
/// </summary>
public static class Telemetry
{
    /// <summary>The services' own activity sources are named under this prefix.</summary>
    public const string SourcePrefix = "Apmatrix.";

    /// <summary>The standard OTLP settings (environment variables): where spans and metrics are sent, or each alone.</summary>
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public const string OtlpTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";

    public const string OtlpMetricsEndpoint = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";

    public static WebApplicationBuilder AddApmatrixTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        builder.Services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.Section))
            .Validate(o => o.SampleRatio is >= 0 and <= 1, "Telemetry:SampleRatio must be from 0 to 1").ValidateOnStart();
        var otlp = configuration[OtlpEndpoint] is { Length: > 0 };
        var otlpTraces = otlp || configuration[OtlpTracesEndpoint] is { Length: > 0 };
        var otlpMetrics = otlp || configuration[OtlpMetricsEndpoint] is { Length: > 0 };
        var console = configuration.GetSection(TelemetryOptions.Section).GetValue<bool>(nameof(TelemetryOptions.Console));
        // Every signal names the service, /metrics (its target_info) included.
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName(builder.Environment.ApplicationName)));
        if (!otlpTraces && !otlpMetrics && !console) return builder;

        if (otlpTraces || console)
            telemetry.WithTracing(tracing =>
            {
                tracing.SetSampler(services => new CallerlessClientsDropped(
                        new ParentBasedSampler(new TraceIdRatioBasedSampler(services.GetRequiredService<IOptions<TelemetryOptions>>().Value.SampleRatio))))
                    // Probes and scrapes come every few seconds and say nothing about a change.
                    .AddAspNetCoreInstrumentation(o => o.Filter = context =>
                        !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments(MetricsSetup.Path))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql()
                    .AddSource(DiagnosticHeaders.DefaultListenerName, SourcePrefix + "*");
                if (otlpTraces) tracing.AddOtlpExporter();
                if (console) tracing.AddConsoleExporter();
            });
        // The meters /metrics serves (MetricsSetup's rules) go to the OTLP receiver too.
        if (otlpMetrics) telemetry.WithMetrics(metrics => metrics.AddOtlpExporter());
        return builder;
    }

    /// <summary>apbus, vfioap, guestvm: the assembly's name without <c>Apmatrix.</c>, as the services call each other.</summary>
    static string ServiceName(string applicationName) => applicationName[(applicationName.LastIndexOf('.') + 1)..].ToLowerInvariant();

    /// <summary>
    /// A database or HTTP call made by no request and no message (the outbox's polling, pruning, reconciliation timers)
    /// would start a one-span trace several times a second: it is never recorded, everything else is sampled as usual.
    /// </summary>
    sealed class CallerlessClientsDropped(Sampler sampler) : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters parameters) =>
            parameters.Kind == ActivityKind.Client && parameters.ParentContext.TraceId == default
                ? new SamplingResult(SamplingDecision.Drop)
                : sampler.ShouldSample(parameters);
    }
}
