using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Apmatrix.Hosting;

/// <summary>Ready only while the APIs answer: every hosted service started (database migrated, bus up) and not stopping.</summary>
public sealed class ServingCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public const string Name = "serving";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(ServiceDefaults.Serving(lifetime) ? HealthCheckResult.Healthy("the APIs answer")
            : lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("stopping")
            : HealthCheckResult.Unhealthy("starting: some of the service's parts have not started yet"));
}
