using Apmatrix.Sequencing;

namespace Apmatrix.Services.Tests.Sequencing;

/// <summary>One stream's batch: items are (number, tag) so a test can tell which copy of a number was taken.</summary>
public class SequencerTests
{
    static Sequencer<Item> Start(long lastApplied, params Item[] arrived) => new(lastApplied, arrived, i => i.Number);

    static Item[] Arrivals(params long[] numbers) => numbers.Select(n => new Item(n, "arrived")).ToArray();

    static Item[] Parked(params long[] numbers) => numbers.Select(n => new Item(n, "parked")).ToArray();

    static long[] Numbers(IEnumerable<Item> items) => items.Select(i => i.Number).ToArray();

    [Fact]
    public void Applies_an_in_order_batch_whole_and_parks_nothing()
    {
        var sequencer = Start(3, Arrivals(4, 5, 6));

        var run = sequencer.Advance([]);

        Assert.Equal([4, 5, 6], Numbers(run));
        Assert.Equal(6, sequencer.LastApplied);
        Assert.Empty(sequencer.ToPark());
        Assert.Empty(sequencer.Repeats);
        Assert.False(sequencer.UsedParked);
    }

    [Fact]
    public void Applies_a_shuffled_batch_in_number_order()
    {
        var sequencer = Start(0, Arrivals(3, 1, 2));

        Assert.Equal([1, 2, 3], Numbers(sequencer.Advance([])));
    }

    [Fact]
    public void Stops_at_a_gap_and_parks_what_comes_after_it()
    {
        var sequencer = Start(0, Arrivals(1, 2, 4, 6));

        var run = sequencer.Advance([]);

        Assert.Equal([1, 2], Numbers(run));
        Assert.Equal(2, sequencer.LastApplied);
        Assert.Equal(3, sequencer.Next);
        Assert.Equal([4, 6], Numbers(sequencer.ToPark()).Order());
    }

    [Fact]
    public void Applies_nothing_when_the_next_number_is_missing()
    {
        var sequencer = Start(5, Arrivals(7, 8));

        Assert.Empty(sequencer.Advance([]));
        Assert.Equal(5, sequencer.LastApplied);
        Assert.Equal([7, 8], Numbers(sequencer.ToPark()).Order());
    }

    [Fact]
    public void Calls_numbers_at_or_below_the_last_applied_repeats()
    {
        var sequencer = Start(4, Arrivals(2, 4, 5));

        var run = sequencer.Advance([]);

        Assert.Equal([5], Numbers(run));
        Assert.Equal([2, 4], Numbers(sequencer.Repeats));
        Assert.Empty(sequencer.ToPark());
    }

    [Fact]
    public void Takes_a_number_delivered_twice_in_one_batch_once()
    {
        var sequencer = Start(0, Arrivals(1, 1, 3, 3));

        Assert.Equal([1], Numbers(sequencer.Advance([])));
        Assert.Equal([3], Numbers(sequencer.ToPark()));
        Assert.Empty(sequencer.Repeats);
    }

    [Fact]
    public void Fills_a_gap_from_the_parked_items_and_the_batch_together()
    {
        // 2 and 4 were parked by earlier batches; 3 and 5 arrive now and close both gaps.
        var sequencer = Start(1, Arrivals(5, 3));

        var run = sequencer.Advance(Parked(2, 4));

        Assert.Equal([2, 3, 4, 5], Numbers(run));
        Assert.Equal(["parked", "arrived", "parked", "arrived"], run.Select(i => i.Source));
        Assert.True(sequencer.UsedParked);
        Assert.True(sequencer.ParkedUsedUp);
        Assert.Empty(sequencer.ToPark());
    }

    [Fact]
    public void Prefers_the_parked_copy_of_a_number_that_also_arrived()
    {
        var sequencer = Start(0, Arrivals(1, 2));

        var run = sequencer.Advance(Parked(1));

        Assert.Equal(["parked", "arrived"], run.Select(i => i.Source));
    }

    [Fact]
    public void Leaves_parked_items_after_a_gap_parked()
    {
        var sequencer = Start(0, Arrivals(1));

        var run = sequencer.Advance(Parked(3, 4));

        Assert.Equal([1], Numbers(run));
        Assert.False(sequencer.UsedParked);
        Assert.False(sequencer.ParkedUsedUp);
        Assert.Empty(sequencer.ToPark());
    }

    [Fact]
    public void Skips_stale_parked_copies_and_reports_them_for_deletion()
    {
        var sequencer = Start(5, Arrivals(6));

        var run = sequencer.Advance(Parked(4, 5));

        Assert.Equal([6], Numbers(run));
        Assert.True(sequencer.UsedParked);
        Assert.True(sequencer.ParkedUsedUp);
    }

    [Fact]
    public void Continues_the_run_chunk_by_chunk()
    {
        // Parked 1..5 and 7; 6 arrives. Read in chunks of 2 from Next, as VfioAp reads pending_bus_events: the third
        // chunk (5, 7) is used up with 6 from the batch between its items, the fourth comes back empty.
        var parked = Parked(1, 2, 3, 4, 5, 7);
        var sequencer = Start(0, Arrivals(6));
        var applied = new List<long>();
        var reads = 0;
        IReadOnlyList<Item> chunk;
        do
        {
            chunk = parked.Where(p => p.Number >= sequencer.Next).Take(2).ToList();
            reads++;
            applied.AddRange(Numbers(sequencer.Advance(chunk)));
        }
        while (sequencer.ParkedUsedUp && chunk.Count == 2);

        Assert.Equal([1, 2, 3, 4, 5, 6, 7], applied);
        Assert.Equal(4, reads);
        Assert.Equal(7, sequencer.LastApplied);
    }

    [Fact]
    public void Stops_reading_chunks_at_a_gap_inside_one()
    {
        var sequencer = Start(0);

        var run = sequencer.Advance(Parked(1, 3));

        Assert.Equal([1], Numbers(run));
        Assert.False(sequencer.ParkedUsedUp);
    }

    [Fact]
    public void Refuses_parked_items_out_of_order()
    {
        var sequencer = Start(0);

        Assert.Throws<ArgumentException>(() => sequencer.Advance(Parked(2, 1)));
        Assert.Throws<ArgumentException>(() => sequencer.Advance(Parked(1, 1)));
    }

    public sealed record Item(long Number, string Source);
}
