using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Apmatrix.Hosting;

/// <summary>
/// Runs the checks in the background, so a stall is measured even when nobody asks, and logs each failing check once
/// per <see cref="HealthOptions.RepeatedLogEvery"/> and once when it recovers (the health service's own per-poll log is off).
/// </summary>
public sealed class HealthLog(LogThrottle throttle, TimeProvider clock, IHostApplicationLifetime lifetime, ILogger<HealthLog> log) : IHealthCheckPublisher
{
    readonly HashSet<string> _failing = [];

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var (name, entry) in report.Entries)
        {
            var key = $"health:{name}";
            if (entry.Status == HealthStatus.Healthy)
            {
                if (!_failing.Remove(name)) continue;
                throttle.Reset(key);
                log.LogInformation("health check {Check} is healthy again: {Description}", name, entry.Description);
            }
            else
            {
                _failing.Add(name);
                // A service still starting is not ready by design: no warning for what every start goes through.
                var level = lifetime.ApplicationStarted.IsCancellationRequested ? LogLevel.Warning : LogLevel.Information;
                if (throttle.ShouldLog(key, now, out var held))
                    log.Log(level, DatabaseFaults.StackWorthy(entry.Exception), "health check {Check} is {Status}: {Description} ({Held} repeats not logged)",
                        name, entry.Status, Readiness.Describe(entry), held);
            }
        }
        return Task.CompletedTask;
    }
}
