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
        // A service starting or stopping is not ready by design: what every start and stop goes through is no warning, and
        // is throttled apart, so the first failure once it runs is logged at once.
        // The checks ran before the report is published: one whose serving check still said starting was taken before the start.
        var running = lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested
            && (!report.Entries.TryGetValue(ServingCheck.Name, out var serving) || serving.Status == HealthStatus.Healthy);
        foreach (var (name, entry) in report.Entries)
        {
            var (runningKey, notRunningKey) = ($"health:{name}", $"health:{name}:not-running");
            if (entry.Status == HealthStatus.Healthy)
            {
                if (!_failing.Remove(name)) continue;
                throttle.Reset(runningKey);
                throttle.Reset(notRunningKey);
                log.LogInformation("health check {Check} is healthy again: {Description}", name, entry.Description);
            }
            else
            {
                _failing.Add(name);
                if (throttle.ShouldLog(running ? runningKey : notRunningKey, now, out var held))
                    log.Log(running ? LogLevel.Warning : LogLevel.Information, DatabaseFaults.StackWorthy(entry.Exception),
                        "health check {Check} is {Status}: {Description} ({Held} repeats not logged)", name, entry.Status, Readiness.Describe(entry), held);
            }
        }
        return Task.CompletedTask;
    }
}
