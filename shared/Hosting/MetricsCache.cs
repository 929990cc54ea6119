using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Apmatrix.Hosting;

/// <summary>
/// A figure read from the database for observable gauges. A collection never sees an exception: a reading older than
/// <see cref="FreshFor"/> is read again, and the collection waits for it at most <see cref="CollectionWait"/> (else it
/// gets the last reading). While the database fails there is no reading, so the gauge gives no value rather than a wrong one.
/// </summary>
public sealed class MetricsCache<T>(IServiceScopeFactory scopes, Func<IServiceProvider, CancellationToken, Task<T>> read, TimeProvider clock,
    ILogger log) where T : class
{
    /// <summary>How long a reading serves collections before the next one reads again.</summary>
    public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(5);

    /// <summary>How long a collection waits for a reading it started: a scrape shows the tables as they are, and a database outage costs it no more.</summary>
    public static readonly TimeSpan CollectionWait = TimeSpan.FromSeconds(1);

    static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    readonly Lock _lock = new();
    T? _reading;
    long _triedAt = long.MinValue;
    Task? _refreshing;

    /// <summary>The reading, read again when stale (waiting for it at most <see cref="CollectionWait"/>), or none while the database fails.</summary>
    public T? Current
    {
        get
        {
            Task refreshing;
            TaskCompletionSource? begun = null;
            lock (_lock)
            {
                var stale = _triedAt == long.MinValue || clock.GetElapsedTime(_triedAt) >= FreshFor;
                if (!stale && _refreshing is null) return _reading;
                if (_refreshing is null)
                {
                    _triedAt = clock.GetTimestamp();
                    begun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _refreshing = begun.Task;
                }
                refreshing = _refreshing;
            }
            // Begun on this thread, so a thread pool slow to give one costs the scrape no wait.
            if (begun is not null) _ = RefreshAsync(begun);
            // RefreshAsync catches every failure, so the wait only ever ends or times out.
            refreshing.Wait(CollectionWait);
            lock (_lock) return _reading;
        }
    }

    /// <summary>An observable gauge's measurement from the current reading: none while there is no reading.</summary>
    public IEnumerable<Measurement<TValue>> Observe<TValue>(Func<T, TValue> pick) where TValue : struct =>
        Current is { } value ? [new Measurement<TValue>(pick(value))] : [];

    /// <summary>Reads now (a health check wants the truth, and its failure); the gauges then serve this reading.</summary>
    public async Task<T> ReadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        try
        {
            var value = await read(scope.ServiceProvider, cancellationToken);
            Store(value);
            return value;
        }
        catch
        {
            Store(null);
            throw;
        }
    }

    async Task RefreshAsync(TaskCompletionSource done)
    {
        // Not in the scrape's trace: the reading serves every later collection, whoever asked first.
        Activity.Current = null;
        try
        {
            using var timeout = new CancellationTokenSource(ReadTimeout);
            await ReadAsync(timeout.Token);
        }
        catch (Exception e)
        {
            log.LogDebug(e, "a metrics reading failed; its gauges are absent until the next succeeds");
        }
        finally
        {
            lock (_lock) _refreshing = null;
            done.SetResult();
        }
    }

    void Store(T? value)
    {
        lock (_lock)
        {
            _reading = value;
            _triedAt = clock.GetTimestamp();
        }
    }
}
