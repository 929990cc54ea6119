using Apmatrix.Hosting;

namespace Apmatrix.Services.Tests.Health;

public class RetentionTests
{
    [Fact]
    public void Rows_finished_before_now_minus_keep_for_are_old_enough()
    {
        var now = new DateTime(2026, 1, 8, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc), Retention.Cutoff(now, TimeSpan.FromDays(7)));
        Assert.Equal(now, Retention.Cutoff(now, TimeSpan.Zero));
    }

    [Theory]
    [InlineData(1000, 1000, true)]
    [InlineData(999, 1000, false)]
    [InlineData(0, 1000, false)]
    public void Only_a_full_batch_asks_for_another_statement(int deleted, int batchSize, bool more) =>
        Assert.Equal(more, Retention.MoreToDo(deleted, batchSize));
}
