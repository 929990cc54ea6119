using Microsoft.Extensions.Logging;

namespace Apmatrix.Hosting;

/// <summary>
/// A background loop's run of failures: one warning when it starts, one information line when it ends, and the
/// back-off to wait between attempts, so an outage of hours writes two log lines, not one per attempt.
/// </summary>
public sealed class Outage(ILogger log, string work, TimeProvider? clock = null)
{
    static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(500);
    // Short: a retry while down costs one failed connect, while a long wait is paid after the server is back.
    static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    readonly TimeProvider _clock = clock ?? TimeProvider.System;
    long _startedAt;

    public int FailedAttempts { get; private set; }

    /// <summary>Records a failed attempt; returns how long to wait before the next.</summary>
    public TimeSpan Failed(Exception exception)
    {
        if (FailedAttempts++ == 0)
        {
            _startedAt = _clock.GetTimestamp();
            log.LogWarning(DatabaseFaults.StackWorthy(exception),
                "{Work} is failing ({Error}); retrying with back-off, quietly until it works again", work, exception.GetBaseException().Message);
        }
        return Delay(FailedAttempts);
    }

    /// <summary>Records a successful attempt, which ends the outage if there was one.</summary>
    public void Succeeded()
    {
        if (FailedAttempts == 0) return;
        log.LogInformation("{Work} works again after {Duration} and {Attempts} failed attempts",
            work, _clock.GetElapsedTime(_startedAt), FailedAttempts);
        FailedAttempts = 0;
    }

    /// <summary>0.5 s after the first failure, doubling up to 5 s.</summary>
    public static TimeSpan Delay(int failedAttempts) =>
        failedAttempts >= 6 ? MaxDelay : TimeSpan.FromTicks(Math.Min(FirstDelay.Ticks << (failedAttempts - 1), MaxDelay.Ticks));
}
