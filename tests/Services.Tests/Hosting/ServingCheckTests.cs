using Apmatrix.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>Ready means the APIs answer: not while the service starts, nor once it stops.</summary>
public class ServingCheckTests
{
    [Fact]
    public async Task Is_ready_only_between_started_and_stopping()
    {
        var lifetime = new Lifetime();
        var check = new ServingCheck(lifetime);

        var starting = await check.CheckHealthAsync(new HealthCheckContext());
        lifetime.Started.Cancel();
        var serving = await check.CheckHealthAsync(new HealthCheckContext());
        lifetime.Stopping.Cancel();
        var stopping = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal((HealthStatus.Unhealthy, HealthStatus.Healthy, HealthStatus.Unhealthy), (starting.Status, serving.Status, stopping.Status));
        Assert.StartsWith("starting", starting.Description);
        Assert.Equal("stopping", stopping.Description);
    }

    sealed class Lifetime : IHostApplicationLifetime
    {
        public readonly CancellationTokenSource Started = new(), Stopping = new();
        public CancellationToken ApplicationStarted => Started.Token;
        public CancellationToken ApplicationStopping => Stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void StopApplication() => Stopping.Cancel();
    }
}
