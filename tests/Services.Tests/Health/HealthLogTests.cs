using Apmatrix.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Apmatrix.Services.Tests.Health;

/// <summary>What the background health runs log: a check failing once the service runs is a warning, one failing while it starts is not.</summary>
public sealed class HealthLogTests
{
    sealed class Lifetime : IHostApplicationLifetime
    {
        readonly CancellationTokenSource _started = new(), _stopping = new();
        public CancellationToken ApplicationStarted => _started.Token;
        public CancellationToken ApplicationStopping => _stopping.Token;
        public CancellationToken ApplicationStopped => CancellationToken.None;
        public void Start() => _started.Cancel();
        public void StopApplication() => _stopping.Cancel();
    }

    static HealthReport Report(HealthStatus serving, HealthStatus database = HealthStatus.Healthy) => new(
        new Dictionary<string, HealthReportEntry>
        {
            ["serving"] = new(serving, serving == HealthStatus.Healthy ? "the APIs answer" : "starting: waiting for the database", TimeSpan.Zero, null, null),
            ["database"] = new(database, database == HealthStatus.Healthy ? "answers" : "PostgreSQL does not answer", TimeSpan.Zero, null, null),
        },
        TimeSpan.Zero);

    [Fact]
    public async Task Should_warn_of_a_failing_check_only_while_the_service_runs_and_at_once()
    {
        var lifetime = new Lifetime();
        var log = new ListLogger<HealthLog>();
        var health = new HealthLog(new LogThrottle(TimeSpan.FromMinutes(1)), new ManualClock(), lifetime, log);

        await health.PublishAsync(Report(HealthStatus.Unhealthy, HealthStatus.Unhealthy), CancellationToken.None);
        lifetime.Start();
        // Checks run before the start, published after it: still the start's, no warning.
        await health.PublishAsync(Report(HealthStatus.Unhealthy, HealthStatus.Unhealthy), CancellationToken.None);
        // Still failing once it serves: the start's line does not hold back the warning.
        await health.PublishAsync(Report(HealthStatus.Healthy, HealthStatus.Unhealthy), CancellationToken.None);
        await health.PublishAsync(Report(HealthStatus.Healthy, HealthStatus.Unhealthy), CancellationToken.None);
        await health.PublishAsync(Report(HealthStatus.Healthy), CancellationToken.None);
        lifetime.StopApplication();
        await health.PublishAsync(Report(HealthStatus.Unhealthy), CancellationToken.None);

        Assert.Equal([LogLevel.Information, LogLevel.Information, LogLevel.Information, LogLevel.Warning, LogLevel.Information, LogLevel.Information],
            log.Lines.Select(l => l.Level));
        Assert.Contains("health check serving is Unhealthy: starting: waiting for the database", log.Lines[0].Text);
        Assert.Contains("health check database is Unhealthy: PostgreSQL does not answer", log.Lines[1].Text);
        Assert.Contains("health check serving is healthy again", log.Lines[2].Text);
        Assert.Contains("health check database is Unhealthy: PostgreSQL does not answer", log.Lines[3].Text);
        Assert.Contains("health check database is healthy again", log.Lines[4].Text);
        Assert.Contains("health check serving is Unhealthy", log.Lines[5].Text);
    }
}
