using Apmatrix.LoadTest;

namespace Apmatrix.Tools.Tests;

/// <summary>The load tool watches a scan's hosts with one request per poll, and reads each host's sequence from the latest answer.</summary>
public class AppliedWatchTests
{
    static readonly TimeSpan Every = TimeSpan.FromMilliseconds(5);

    [Fact]
    public async Task Should_give_each_host_its_sequence_from_the_latest_answer()
    {
        var asks = 0;
        await using var watch = new AppliedWatch(_ =>
        {
            var n = Interlocked.Increment(ref asks);
            return Task.FromResult<IReadOnlyDictionary<string, long>>(new Dictionary<string, long> { ["h1"] = n, ["h2"] = 10 * n });
        }, Every);

        await UntilAsync(() => watch.Of("h1") >= 3);

        var (h1, h2) = (watch.Of("h1"), watch.Of("h2"));
        Assert.InRange(h2, 10 * h1, 10 * (h1 + 1));
        Assert.Equal(long.MinValue, watch.Of("h3"));
    }

    [Fact]
    public async Task Should_keep_the_last_answer_while_VfioAp_does_not_answer()
    {
        var asks = 0;
        await using var watch = new AppliedWatch(_ => Interlocked.Increment(ref asks) == 1
            ? Task.FromResult<IReadOnlyDictionary<string, long>>(new Dictionary<string, long> { ["h1"] = 7 })
            : Task.FromException<IReadOnlyDictionary<string, long>>(new HttpRequestException("connection refused")), Every);

        await UntilAsync(() => Volatile.Read(ref asks) >= 5);

        Assert.Equal(7, watch.Of("h1"));
    }

    [Fact]
    public async Task Should_report_an_answer_it_cannot_read_to_the_reader()
    {
        await using var watch = new AppliedWatch(
            _ => Task.FromException<IReadOnlyDictionary<string, long>>(new InvalidOperationException("no lastSequence")), Every);

        await UntilAsync(() =>
        {
            try
            {
                watch.Of("h1");
                return false;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        });
    }

    static async Task UntilAsync(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 5)
        {
            Assert.True(waited < 10_000, "the condition never held");
            await Task.Delay(5);
        }
    }
}
