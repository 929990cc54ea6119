using Apmatrix.Hosting;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>How the instances holding member slots split a consumer's lanes: each lane has exactly one owner, shares differ by one at most.</summary>
public class Lane_shares
{
    static readonly HostLanes Lanes = new("bus-events", 16, []);

    [Fact]
    public void Should_leave_a_lone_member_every_lane() => Assert.Empty(Lanes.NotOwnedBy(5, [5]));

    [Fact]
    public void Should_give_each_member_the_lanes_of_its_rank_by_slot_whatever_the_slots_are()
    {
        // Slots 3 and 9: ranks 0 and 1, in any order listed.
        Assert.Equal([1, 3, 5, 7, 9, 11, 13, 15], Lanes.NotOwnedBy(3, [9, 3]));
        Assert.Equal([0, 2, 4, 6, 8, 10, 12, 14], Lanes.NotOwnedBy(9, [9, 3, 9]));
    }

    [Fact]
    public void Should_take_nothing_for_an_instance_that_is_not_a_member() => Assert.Empty(Lanes.NotOwnedBy(4, [0, 1]));

    [Property(MaxTest = 200)]
    public Property Every_lane_has_exactly_one_owner_and_shares_differ_by_one_at_most() => Prop.ForAll(
        Gen.Choose(1, 40).SelectMany(count => Gen.Choose(0, HostLanes.MaxCount - 1).ListOf().Where(s => s.Count > 0).Select(s => (count, s))).ToArbitrary(),
        pick =>
        {
            var (count, slots) = pick;
            var lanes = new HostLanes("l", count, []);
            var owned = slots.Distinct().ToDictionary(slot => slot,
                slot => Enumerable.Range(0, count).Except(lanes.NotOwnedBy(slot, slots)).ToList());
            var everyLane = owned.Values.SelectMany(l => l).Order().ToList();
            var sizes = owned.Values.Select(l => l.Count).ToList();
            return everyLane.SequenceEqual(Enumerable.Range(0, count)) && sizes.Max() - sizes.Min() <= 1;
        });
}
