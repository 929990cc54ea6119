using Apmatrix.ApModel;
using Apmatrix.GuestVm.Core;

namespace Apmatrix.Services.Tests.GuestVm;

public class ApcbVersionsTests
{
    static readonly DateTime Now = new(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);

    static ApcbCommand Version(long version, string adapters = "1") =>
        new(version, new ApMatrix(Bitmap256.ParseRangeList(adapters), Bitmap256.Single(1), Bitmap256.Empty), "m1");

    static GuestMachineState Guest(long version = 0, ApcbFormat format = ApcbFormat.Apcb1) =>
        GuestMachineState.New(2, format) with { Version = version };

    static readonly TimeSpan GapTimeout = TimeSpan.FromSeconds(60);

    static ApcbRun Apply(GuestMachineState guest, ApcbCommand[] arrived, params ApcbCommand[] parked) =>
        ApcbVersions.Apply(guest, arrived, parked, TimeSpan.Zero, Now, GapTimeout);

    static ApcbCommand Parked(long version, TimeSpan ago) => Version(version, "5") with { ParkedAt = Now - ago };

    [Fact]
    public void Applies_versions_in_order_and_the_guest_holds_the_last()
    {
        var run = Apply(Guest(), [Version(2, "2"), Version(1, "1"), Version(3, "3")]);

        Assert.Equal([1, 2, 3], run.Applied.Select(a => a.Version));
        Assert.Equal(3, run.Guest.Version);
        Assert.Equal(3, run.Guest.UpdateCount);
        Assert.Equal(Bitmap256.Single(3), run.Guest.Apcb.Apm);
        Assert.Equal(run.Guest.Apcb.ToImage(ApcbFormat.Apcb1), run.Guest.Crycb);
        Assert.Equal("m1", run.Guest.Mdev);
        Assert.Equal(Now, run.Guest.AppliedAt);
        Assert.Empty(run.Duplicates);
        Assert.Empty(run.ToPark);
    }

    [Fact]
    public void Acknowledges_versions_it_has_as_duplicates_without_applying_them()
    {
        var guest = Guest(version: 2);

        var run = Apply(guest, [Version(1), Version(2)]);

        Assert.Equal([1, 2], run.Duplicates);
        Assert.Empty(run.Applied);
        Assert.Same(guest, run.Guest);
    }

    [Fact]
    public void Says_a_duplicate_of_the_version_it_holds_with_other_masks_is_in_conflict()
    {
        var guest = Apply(Guest(), [Version(1, "1"), Version(2, "2")]).Guest;
        var apcb0 = Apply(Guest(format: ApcbFormat.Apcb0), [Version(1, "2,70")]).Guest;

        var again = Apply(guest, [Version(1, "9"), Version(2, "2")]);
        var other = Apply(guest, [Version(2, "3")]);
        var renamed = Apply(guest, [Version(2, "2") with { Mdev = "m2" }]);
        var beyondItsFormat = Apply(apcb0, [Version(1, "2,70")]);

        Assert.Equal([1, 2], again.Duplicates);
        Assert.Null(again.Conflicted);
        Assert.Equal(2, other.Conflicted);
        Assert.Same(guest, other.Guest);
        Assert.Null(renamed.Conflicted);
        Assert.Null(beyondItsFormat.Conflicted);
    }

    [Fact]
    public void Skips_a_gap_that_outlasted_its_timeout_to_the_newest_version_waiting()
    {
        var run = Apply(Guest(version: 2), [Version(9, "9")], Parked(5, GapTimeout), Parked(6, TimeSpan.FromSeconds(1)));

        Assert.Equal([9], run.Applied.Select(a => a.Version));
        Assert.Equal(Bitmap256.Single(9), run.Guest.Apcb.Apm);
        Assert.Equal((3, 8), run.GivenUp);
        Assert.Equal(1, run.Guest.UpdateCount);
        Assert.True(run.UsedParked);
        Assert.Empty(run.ToPark);
        Assert.Equal([3, 4, 5], Apply(run.Guest, [Version(3), Version(4), Version(5)]).Duplicates);
    }

    [Fact]
    public void Waits_at_a_gap_younger_than_its_timeout_or_part_of_which_arrives_now()
    {
        var young = Apply(Guest(version: 2), [], Parked(5, GapTimeout - TimeSpan.FromSeconds(1)));
        var filling = Apply(Guest(version: 2), [Version(3)], Parked(5, GapTimeout * 2));

        Assert.Empty(young.Applied);
        Assert.Null(young.GivenUp);
        Assert.Equal([3], filling.Applied.Select(a => a.Version));
        Assert.Null(filling.GivenUp);
        Assert.Equal(3, filling.Guest.Version);
    }

    [Fact]
    public void Parks_a_version_after_a_gap_and_applies_it_once_the_gap_fills()
    {
        var first = Apply(Guest(), [Version(1), Version(3)]);
        Assert.Equal([1], first.Applied.Select(a => a.Version));
        Assert.Equal([3], first.ToPark.Select(c => c.Version));

        var second = Apply(first.Guest, [Version(2)], [.. first.ToPark]);

        Assert.Equal([2, 3], second.Applied.Select(a => a.Version));
        Assert.True(second.UsedParked);
        Assert.Equal(3, second.Guest.Version);
        Assert.Equal(3, second.Guest.UpdateCount);
    }

    [Fact]
    public void Records_the_masks_the_apcb0_guest_really_got()
    {
        var run = Apply(Guest(format: ApcbFormat.Apcb0), [Version(1, "5,70")]);

        var applied = Assert.Single(run.Applied);
        Assert.Equal(Bitmap256.Single(5), applied.Masks.Apm);
        Assert.Equal(Bitmap256.Single(5), run.Guest.Apcb.Apm);
        Assert.Equal(32, run.Guest.Crycb.Length);
    }

    [Fact]
    public void Adds_each_suspend_to_the_guest()
    {
        var guest = Guest() with { SuspendedMilliseconds = 1.5 };

        var run = ApcbVersions.Apply(guest, [Version(1), Version(2)], [], TimeSpan.FromMicroseconds(100), Now, GapTimeout);

        Assert.Equal(1.5 + run.Applied.Sum(a => a.SuspendedMilliseconds), run.Guest.SuspendedMilliseconds, 9);
        Assert.All(run.Applied, a => Assert.True(a.SuspendedMilliseconds >= 0.2));
    }
}
