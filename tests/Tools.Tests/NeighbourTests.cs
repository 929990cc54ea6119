using Apmatrix.Contracts;
using Apmatrix.Engine;
using Apmatrix.LoadTest;
using System.Diagnostics;

namespace Apmatrix.Tools.Tests;

/// <summary>A neighbour's model, the version each change must reach, and how its arrival is awaited; no servers.</summary>
public sealed class NeighbourTests
{
    [Fact]
    public void Should_cost_the_guest_exactly_one_update_per_change_in_three_grouped_messages()
    {
        var host = new ExpectedHost(NeighbourLayout.Layout, HotPlugMode.Batched, BusEventForm.Grouped);
        // Set-up: config changed, one QueuesProbed of adapters 0-3's runs, scan complete; the guest gets the 4 x 4 at once.
        Assert.Equal(3, host.Scan(NeighbourLayout.SetUp));
        var guest = host.Guests.Single();
        Assert.Equal((NeighbourLayout.Guest, 1L, "0-3", "0-3"), (guest.Name, guest.Version, guest.Apcb.Apm.ToRangeList(), guest.Apcb.Aqm.ToRangeList()));

        for (var change = 0; change < 4; change++)
        {
            // Config changed, the adapter's one QueuesProbed or QueuesRemoved, scan complete.
            Assert.Equal(3, host.Scan(NeighbourLayout.ConfigOfChange(change)));
            Assert.Equal(2L + change, host.VersionOf(NeighbourLayout.Guest));
            Assert.Equal(change % 2 == 0 ? "0-4" : "0-3", host.Guests.Single().Apcb.Apm.ToRangeList());
        }
    }

    [Fact]
    public async Task Should_answer_a_waiter_at_the_first_arrival_of_its_version_or_a_later_one()
    {
        var times = new ArrivalTimes(Stopwatch.StartNew());
        var third = times.FirstAppliedAsync("h", "g", 3);
        await times.Note(Applied("h", "g", 2));
        await times.Note(Applied("h", "other", 3));
        await times.Note(Applied("other", "g", 3));
        await times.Note(Applied("h", "g", 3, duplicate: true));
        Assert.False(third.IsCompleted);

        await times.Note(Applied("h", "g", 4));

        Assert.Equal(times.AppliedAt("h", "g", 4), await third);
        await times.Note(Applied("h", "g", 3));
        // Asked after both arrived: the earlier arrival, of the later version.
        Assert.Equal(times.AppliedAt("h", "g", 4), await times.FirstAppliedAsync("h", "g", 3));
        Assert.Equal(times.AppliedAt("h", "g", 2), await times.FirstAppliedAsync("h", "g", 2));
    }

    static ApcbsApplied Applied(string host, string guest, long version, bool duplicate = false) => new(host, [new(guest, version, duplicate, 0)]);
}
