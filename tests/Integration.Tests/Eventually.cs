using System.Diagnostics;

namespace Apmatrix.Integration.Tests;

/// <summary>
/// Waits for what the services do in the background: polls until a condition holds, and on timeout fails the
/// test naming what it waited for, so a slow stack is told apart from a wrong answer.
/// </summary>
public static class Eventually
{
    static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>Returns once <paramref name="condition"/> is true.</summary>
    public static Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null) =>
        ReadAsync(condition, holds => holds, what, timeout);

    /// <summary>Reads until <paramref name="done"/> holds for what was read, and returns that reading.</summary>
    /// <param name="describe">How the last reading is shown in the failure message.</param>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null,
        Func<T, string>? describe = null)
    {
        var patience = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var reading = await read();
            if (done(reading)) return reading;
            if (clock.Elapsed > patience)
                Assert.Fail($"waited {patience.TotalSeconds:0.#} s for {what}{(describe is null ? "" : $"; last seen: {describe(reading)}")}");
            await Task.Delay(Interval);
        }
    }
}
