using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace Apmatrix.Hosting;

/// <summary>The service's one <see cref="System.Diagnostics.Metrics.Meter"/>, named after the service (<c>Apmatrix.VfioAp</c>).</summary>
public sealed class ServiceMeter(IMeterFactory factory, IHostEnvironment environment)
{
    public Meter Meter { get; } = factory.Create(environment.ApplicationName);

    /// <summary>An instrument's name under the service's (<c>apmatrix.vfioap.hot_plugs</c>): Prometheus has no scope, only names.</summary>
    public string Name(string instrument) => $"{Meter.Name.ToLowerInvariant()}.{instrument}";

    /// <summary>Histogram buckets for seconds, <paramref name="count"/> of them doubling from <paramref name="first"/>.</summary>
    public static InstrumentAdvice<double> Doubling(double first, int count) =>
        new() { HistogramBucketBoundaries = Enumerable.Range(0, count).Select(i => first * Math.Pow(2, i)).ToArray() };
}

/// <summary>
/// Metrics (docs/ARCHITECTURE.md, Metrics): plain System.Diagnostics.Metrics instruments on the service's meter, read by
/// one OpenTelemetry meter provider, which serves Prometheus text at <c>/metrics</c> and, when configured, sends OTLP.
/// </summary>
public static class MetricsSetup
{
    public const string Path = "/metrics";

    /// <summary>
    /// The name OpenTelemetry's meter provider registers under with the host's metrics rules (its internal
    /// <c>OpenTelemetryMetricsListener.Name</c>): were it renamed, no rule would match and MetricsTests would fail.
    /// </summary>
    const string OpenTelemetryListener = "OpenTelemetry";

    /// <summary>The service's meter, the outbox gauges of <typeparamref name="TContext"/> and <typeparamref name="TInstruments"/>, made at start.</summary>
    public static IServiceCollection AddApmatrixMetrics<TContext, TInstruments>(this IServiceCollection services)
        where TContext : DbContext where TInstruments : class
    {
        services.AddApmatrixMetrics<TContext>();
        services.AddSingleton<TInstruments>();
        // Observable gauges exist only once their class is made: at start, not at the first recording. Not AddHostedService,
        // which takes one registration per implementation type and so dropped this second MetricsStart.
        services.AddSingleton<IHostedService>(provider => new MetricsStart(() => provider.GetRequiredService<TInstruments>()));
        return services;
    }

    public static IServiceCollection AddApmatrixMetrics<TContext>(this IServiceCollection services) where TContext : DbContext
    {
        services.AddOutboxBacklog<TContext>();
        services.AddSingleton<IHostedService>(provider => new MetricsStart(() => provider.GetRequiredService<MetricsOutbox<TContext>>()));
        services.AddApmatrixMeters();
        // Every scrape reads the instruments afresh: a cached answer would show a count from before a commit that returned.
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    /// <summary>
    /// Which meters OpenTelemetry reads, as the host's metrics rules rather than <c>AddMeter</c>: the rules can take only
    /// meters made by this host's <see cref="IMeterFactory"/>, so services sharing a process (the tests) each export only theirs.
    /// </summary>
    static IServiceCollection AddApmatrixMeters(this IServiceCollection services) =>
        services.AddMetrics(rules => rules
            .EnableMetrics("Apmatrix", null, OpenTelemetryListener, MeterScope.Local)
            .EnableMetrics("Microsoft.AspNetCore.Hosting", null, OpenTelemetryListener, MeterScope.Local)
            .EnableMetrics("System.Runtime", null, OpenTelemetryListener, MeterScope.Global));

    /// <summary>The outbox's backlog, read by the readiness check and the outbox gauges alike.</summary>
    public static IServiceCollection AddOutboxBacklog<TContext>(this IServiceCollection services) where TContext : DbContext
    {
        services.TryAddSingleton<ServiceMeter>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MetricsOutbox<TContext>>();
        return services;
    }

    /// <summary><c>GET /metrics</c> in Prometheus's text format, for a viewer's or an operator's key, outside the documented JSON API.</summary>
    public static IEndpointConventionBuilder MapApmatrixMetrics(this WebApplication app) =>
        app.MapPrometheusScrapingEndpoint(Path)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .RequireAuthorization(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(ApiRoles.Viewer, ApiRoles.Operator).Build());

    /// <summary><paramref name="make"/> resolves a singleton: the same instruments at each call.</summary>
    sealed class MetricsStart(Func<object> make) : IHostedLifecycleService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            make();
            return Task.CompletedTask;
        }

        /// <summary>After every hosted service's start, the host's metrics listeners' among them, so the zeros reach them.</summary>
        public Task StartedAsync(CancellationToken cancellationToken)
        {
            (make() as IStartAtZero)?.StartAtZero();
            return Task.CompletedTask;
        }

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>Instruments whose counters record a 0 at start, so each series is exported from the start and <c>increase()</c> counts its first step.</summary>
public interface IStartAtZero
{
    void StartAtZero();
}
