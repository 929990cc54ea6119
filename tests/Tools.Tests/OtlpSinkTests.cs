using System.Diagnostics;
using Apmatrix.LoadTest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Apmatrix.Tools.Tests;

/// <summary>The load tool's OTLP sink, fed by the services' own exporter on loopback; no servers.</summary>
public sealed class OtlpSinkTests
{
    [Fact]
    public async Task Should_count_the_spans_an_exporter_given_the_sink_s_settings_sends_by_service()
    {
        await using var sink = OtlpSink.Start();
        // The exporter reads the OTEL_* settings through IConfiguration, as the services' do from their environment.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(sink.Settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
        using var source = new ActivitySource($"sink-test-{Guid.NewGuid():N}");
        using (var tracing = Sdk.CreateTracerProviderBuilder()
                   .ConfigureServices(services => services.AddSingleton<IConfiguration>(configuration))
                   .ConfigureResource(resource => resource.AddService("guestvm"))
                   .AddSource(source.Name)
                   .AddOtlpExporter()
                   .Build())
        {
            for (var i = 0; i < 3; i++) source.StartActivity("apcb apply")?.Dispose();
            Assert.True(tracing.ForceFlush());
        }

        var traces = Assert.Single(sink.Received().Paths);
        Assert.Equal(("/v1/traces", 3L), (traces.Path, traces.Items));
        Assert.Equal(3, traces.ItemsByService["guestvm"]);
        Assert.True(traces.Requests >= 1 && traces.Bytes > 0);
    }

    [Fact]
    public void Should_count_nothing_in_a_body_that_is_not_an_export_request() =>
        Assert.Empty(OtlpRequest.ItemsByService(new byte[] { 0x0a, 0x05, 0x01 }));
}
