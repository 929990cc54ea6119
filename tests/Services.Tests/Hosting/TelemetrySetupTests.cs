using Apmatrix.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>Which signals go to OTLP: the shared endpoint turns on both, each signal's own endpoint only that signal.</summary>
public class TelemetrySetupTests
{
    [Theory]
    [InlineData(null, false, false)]
    [InlineData(Telemetry.OtlpEndpoint, true, true)]
    [InlineData(Telemetry.OtlpTracesEndpoint, true, false)]
    [InlineData(Telemetry.OtlpMetricsEndpoint, false, true)]
    public void Should_export_the_signals_an_endpoint_is_set_for(string? setting, bool traces, bool metrics)
    {
        var builder = WebApplication.CreateBuilder();
        if (setting is not null) builder.Configuration[setting] = "http://127.0.0.1:4318/";
        builder.AddApmatrixTelemetry();
        using var app = builder.Build();

        Assert.Equal(traces, app.Services.GetService<TracerProvider>() is not null);
        Assert.Equal(metrics, app.Services.GetService<MeterProvider>() is not null);
    }
}
