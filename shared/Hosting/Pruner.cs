using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

/// <summary>
/// Keeps a service's tables from growing without bound: every <see cref="RetentionOptions.Every"/> each step deletes in
/// small statements with a pause between, so no lock is held for long; a failure (say, no database) is logged once per
/// interval and the next round tries again.
/// </summary>
public abstract class Pruner<TContext>(IServiceScopeFactory scopes, IOptions<RetentionOptions> options, LogThrottle throttle,
    TimeProvider clock, ILogger log) : BackgroundService where TContext : DbContext
{
    protected abstract IReadOnlyList<PruneStep<TContext>> Steps { get; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Every, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await PruneAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round over every step; returns the rows deleted per step.</summary>
    public async Task<IReadOnlyDictionary<string, int>> PruneAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var cutoff = Retention.Cutoff(clock.GetUtcNow().UtcDateTime, settings.KeepFor);
        var deleted = new Dictionary<string, int>();
        foreach (var step in Steps)
        {
            var key = $"prune:{step.What}";
            try
            {
                int batch;
                deleted[step.What] = 0;
                do
                {
                    await using var scope = scopes.CreateAsyncScope();
                    batch = await step.DeleteAsync(scope.ServiceProvider.GetRequiredService<TContext>(), cutoff, settings.BatchSize, cancellationToken);
                    deleted[step.What] += batch;
                    if (Retention.MoreToDo(batch, settings.BatchSize)) await Task.Delay(settings.Pause, clock, cancellationToken);
                }
                while (Retention.MoreToDo(batch, settings.BatchSize));
                throttle.Reset(key);
                if (deleted[step.What] > 0) log.LogInformation("pruned {Count} {What}", deleted[step.What], step.What);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                if (throttle.ShouldLog(key, clock.GetUtcNow().UtcDateTime, out var held))
                    log.LogWarning("pruning {What} failed ({Error}); trying again next round; {Held} similar failures not logged",
                        step.What, e.Message, held);
            }
        }
        return deleted;
    }
}
