namespace Apmatrix.LoadTest;

/// <summary>
/// VfioAp's last applied sequence of every host of a scan, asked for all of them at once each poll: watching 16 hosts one
/// request each cost VfioAp about a tenth of its CPU in a fan-out, as much as a tenth of the events it was being timed on.
/// An instance that does not answer (killed on purpose, restarting) leaves the values where they were.
/// </summary>
public sealed class AppliedWatch : IAsyncDisposable
{
    readonly CancellationTokenSource _stop = new();
    readonly Task _polling;
    volatile IReadOnlyDictionary<string, long> _applied = new Dictionary<string, long>();

    public AppliedWatch(Func<CancellationToken, Task<IReadOnlyDictionary<string, long>>> ask, TimeSpan every) =>
        _polling = PollAsync(ask, every, _stop.Token);

    /// <summary>The host's sequence at the latest answer, <see cref="long.MinValue"/> before the first; a failed poll throws here.</summary>
    public long Of(string host)
    {
        if (_polling.IsFaulted) _polling.GetAwaiter().GetResult();
        return _applied.TryGetValue(host, out var sequence) ? sequence : long.MinValue;
    }

    async Task PollAsync(Func<CancellationToken, Task<IReadOnlyDictionary<string, long>>> ask, TimeSpan every, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                _applied = await ask(stop);
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(every, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
