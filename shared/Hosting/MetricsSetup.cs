using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Prometheus;

namespace Apmatrix.Hosting;

/// <summary>The service's one <see cref="System.Diagnostics.Metrics.Meter"/>, named after the service (<c>Apmatrix.VfioAp</c>).</summary>
public sealed class ServiceMeter(IMeterFactory factory, IHostEnvironment environment)
{
    public Meter Meter { get; } = factory.Create(environment.ApplicationName);
}

/// <summary>
/// Metrics (docs/ARCHITECTURE.md, Metrics): plain System.Diagnostics.Metrics instruments on the service's meter, so any
/// exporter can read them, and a Prometheus text endpoint at <c>/metrics</c> for viewers and operators.
/// </summary>
public static class MetricsSetup
{
    public const string Path = "/metrics";

    /// <summary>The service's meter, the outbox gauges of <typeparamref name="TContext"/> and <typeparamref name="TInstruments"/>, made at start.</summary>
    public static IServiceCollection AddApmatrixMetrics<TContext, TInstruments>(this IServiceCollection services)
        where TContext : DbContext where TInstruments : class
    {
        services.AddApmatrixMetrics<TContext>();
        services.AddSingleton<TInstruments>();
        // Observable gauges exist only once their class is made: at start, not at the first recording.
        services.AddHostedService(provider => new MetricsStart(() => provider.GetRequiredService<TInstruments>()));
        return services;
    }

    public static IServiceCollection AddApmatrixMetrics<TContext>(this IServiceCollection services) where TContext : DbContext
    {
        services.AddOutboxBacklog<TContext>();
        services.AddHostedService(provider => new MetricsStart(() => provider.GetRequiredService<MetricsOutbox<TContext>>()));
        services.AddSingleton(provider => new PrometheusExport(provider.GetRequiredService<IMeterFactory>()));
        return services;
    }

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
        app.MapMetrics(Path, app.Services.GetRequiredService<PrometheusExport>().Registry)
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .RequireAuthorization(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(ApiRoles.Viewer, ApiRoles.Operator).Build());

    /// <summary>
    /// This service's instruments in a registry of its own: several services in one process (the tests) each show only
    /// theirs, since a meter made by this service's <see cref="IMeterFactory"/> carries it as its scope.
    /// </summary>
    sealed class PrometheusExport : IDisposable
    {
        static readonly double[] SecondBuckets = Histogram.ExponentialBuckets(0.001, 2, 18);
        static readonly double[] MillisecondBuckets = Histogram.ExponentialBuckets(0.01, 2, 20);

        readonly IDisposable _adapter;

        public PrometheusExport(IMeterFactory factory)
        {
            Registry = Metrics.NewCustomRegistry();
            _adapter = MeterAdapter.StartListening(new MeterAdapterOptions
            {
                Registry = Registry,
                MetricFactory = Metrics.WithCustomRegistry(Registry),
                InstrumentFilterPredicate = instrument => IsOurs(instrument.Meter, factory),
                ResolveHistogramBuckets = instrument => instrument.Unit == "ms" ? MillisecondBuckets : SecondBuckets,
                // The longest the adapter allows: a series it drops after a quiet spell comes back from zero.
                MetricsExpireAfter = TimeSpan.FromDays(1),
            });
        }

        public CollectorRegistry Registry { get; }

        /// <summary>This service's meters, its request durations (route, method, status: bounded) and the process's runtime meter.</summary>
        static bool IsOurs(Meter meter, IMeterFactory factory) => meter.Scope == factory
            ? meter.Name.StartsWith("Apmatrix.", StringComparison.Ordinal) || meter.Name == "Microsoft.AspNetCore.Hosting"
            : meter.Scope is null && meter.Name == "System.Runtime";

        public void Dispose() => _adapter.Dispose();
    }

    sealed class MetricsStart(Func<object> make) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            make();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
