using Apmatrix.Hosting;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>Deliveries that reach the line out of order go on in the order of their tags.</summary>
public class DeliveryLineTests
{
    // The line's patience where none should run out, and how long a test waits for a release it expects.
    static readonly TimeSpan Never = TimeSpan.FromMinutes(10);
    static readonly TimeSpan Soon = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Tags_that_arrive_out_of_order_go_in_order()
    {
        var line = new DeliveryLine(Never);
        var gone = new List<ulong>();
        var arrivals = new ulong[] { 1, 3, 5, 4, 2, 6 }.Select(tag => GoAsync(line, "c1", tag, gone)).ToList();

        await Task.WhenAll(arrivals).WaitAsync(Soon);

        Assert.Equal([1UL, 2, 3, 4, 5, 6], gone);
    }

    [Fact]
    public async Task A_tag_waits_for_the_one_before_it_and_goes_when_that_one_has()
    {
        var line = new DeliveryLine(Never);
        Assert.True(line.Enter("c1", 7).IsCompleted);
        var eight = line.Enter("c1", 8);
        var nine = line.Enter("c1", 9);

        Assert.False(eight.IsCompleted);
        line.Passed(7);
        await eight.WaitAsync(Soon);
        Assert.False(nine.IsCompleted);
    }

    [Fact]
    public async Task A_tag_whose_predecessor_never_comes_goes_after_its_patience_and_takes_the_line_past_it()
    {
        var line = new DeliveryLine(TimeSpan.FromMilliseconds(50));
        Assert.True(line.Enter("c1", 1).IsCompleted);
        line.Passed(1);

        await line.Enter("c1", 3);
        line.Passed(3);

        Assert.True(line.Enter("c1", 4).IsCompleted);
        Assert.True(line.Enter("c1", 2).IsCompleted);
    }

    [Fact]
    public async Task A_new_consumer_starts_the_line_afresh_and_lets_the_old_one_s_waiters_go()
    {
        var line = new DeliveryLine(Never);
        Assert.True(line.Enter("c1", 1).IsCompleted);
        var stranded = line.Enter("c1", 3);

        Assert.True(line.Enter("c2", 1).IsCompleted);

        await stranded.WaitAsync(Soon);
        Assert.False(line.Enter("c2", 3).IsCompleted);
    }

    static async Task GoAsync(DeliveryLine line, string consumer, ulong tag, List<ulong> gone)
    {
        await line.Enter(consumer, tag);
        lock (gone) gone.Add(tag);
        line.Passed(tag);
    }
}
