using Apmatrix.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>A gauge's database reading: served from the cache while fresh, read again for a collection when stale (a slow one not waited out), absent after a failure.</summary>
public class MetricsCacheTests
{
    sealed record Reading(int Value);

    readonly ManualClock _clock = new();
    readonly IServiceScopeFactory _scopes = new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>();
    int _reads;
    Func<int, Reading> _answer = n => new Reading(n);

    Func<Task> _database = () => Task.CompletedTask;

    MetricsCache<Reading> NewCache() => new(_scopes, async (_, _) =>
    {
        await _database();
        return _answer(Interlocked.Increment(ref _reads));
    }, _clock, NullLogger.Instance);

    [Fact]
    public void A_collection_gets_the_tables_as_they_are_now_and_a_fresh_reading_is_not_read_again()
    {
        var cache = NewCache();
        Assert.Equal(new Reading(1), cache.Current);

        _clock.Advance(MetricsCache<Reading>.FreshFor / 2);
        Assert.Equal(new Reading(1), cache.Current);
        Assert.Equal(1, _reads);

        _clock.Advance(MetricsCache<Reading>.FreshFor);
        Assert.Equal(new Reading(2), cache.Current);
    }

    [Fact]
    public async Task A_collection_does_not_wait_out_a_database_that_does_not_answer()
    {
        var cache = NewCache();
        Assert.Equal(new Reading(1), cache.Current);
        var answers = new TaskCompletionSource();
        _database = () => answers.Task;
        _clock.Advance(MetricsCache<Reading>.FreshFor);

        // The last reading, once the wait for the new one is over; the reading comes in later.
        Assert.Equal(new Reading(1), cache.Current);
        answers.SetResult();
        await Eventually(() => cache.Current == new Reading(2));
    }

    [Fact]
    public async Task A_failed_reading_leaves_no_value_and_reaches_only_the_caller_that_asked_now()
    {
        var cache = NewCache();
        await cache.ReadAsync(CancellationToken.None);
        Assert.Single(cache.Observe(r => r.Value));

        _answer = _ => throw new InvalidOperationException("database down");
        await Assert.ThrowsAsync<InvalidOperationException>(() => cache.ReadAsync(CancellationToken.None));
        Assert.Empty(cache.Observe(r => r.Value));

        _clock.Advance(MetricsCache<Reading>.FreshFor);
        Assert.Empty(cache.Observe(r => r.Value));
        Assert.Equal(3, _reads);
    }

    static async Task Eventually(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
