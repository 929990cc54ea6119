using Apmatrix.Sequencing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Apmatrix.Services.Tests.Sequencing;

/// <summary>A stream delivered in any order, in any batches, with repeats, through a parked store read in small chunks.</summary>
public class SequencerProperties
{
    const int Chunk = 3;

    static readonly Gen<List<List<long>>> Deliveries =
        from count in Gen.Choose(1, 40)
        from repeats in Gen.Choose(0, 20)
        from extra in Gen.Choose(1, count).ListOf(repeats)
        from order in Gen.Shuffle(Enumerable.Range(1, count).Select(n => (long)n).Concat(extra.Select(n => (long)n)).ToArray())
        from cuts in Gen.Choose(1, 8).ListOf(order.Length)
        select Batches(order, cuts);

    static List<List<long>> Batches(long[] order, IList<int> sizes)
    {
        var batches = new List<List<long>>();
        for (int at = 0, i = 0; at < order.Length; at += sizes[i++]) batches.Add(order.Skip(at).Take(sizes[i]).ToList());
        return batches;
    }

    [Property(MaxTest = 300)]
    public Property Every_number_is_applied_once_in_order_and_nothing_stays_parked() => Prop.ForAll(Deliveries.ToArbitrary(), batches =>
    {
        var parked = new SortedSet<long>();
        var applied = new List<long>();
        long last = 0;
        foreach (var batch in batches)
        {
            var sequencer = new Sequencer<long>(last, batch, n => n);
            IReadOnlyList<long> chunk;
            do
            {
                chunk = parked.Where(n => n >= sequencer.Next).Take(Chunk).ToList();
                applied.AddRange(sequencer.Advance(chunk));
            }
            while (sequencer.ParkedUsedUp && chunk.Count == Chunk);
            if (sequencer.UsedParked) parked.RemoveWhere(n => n <= sequencer.LastApplied);
            parked.UnionWith(sequencer.ToPark());
            Assert.All(sequencer.Repeats, n => Assert.True(n <= last));
            last = sequencer.LastApplied;
        }
        var total = batches.SelectMany(b => b).Max();
        Assert.Equal(Enumerable.Range(1, (int)total).Select(n => (long)n), applied);
        Assert.Empty(parked);
    });
}
