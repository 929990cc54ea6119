using Apmatrix.ApModel;
using Apmatrix.Engine.Tests.Support;
using static Apmatrix.Engine.Tests.Support.TestHost;

namespace Apmatrix.Engine.Tests;

/// <summary>
/// A mask change vfio_ap allowed and has not applied holds off assignments, as the kernel's ap_perms_mutex does (spec 1.9):
/// fixture H = {4,5} x {4,5}, mdev m with adapter 4 on guest g, a change reserving 04.0005 checked after sequence 10.
/// </summary>
public class MaskReservationTests
{
    static readonly DateTime Checked = new(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);
    static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    static MaskReservation Change(string apmask = "4", string aqmask = "5", long after = 10) =>
        new(Guid.CreateVersion7(), after, new ApPermissions(Ids(apmask), Ids(aqmask)), Checked);

    static (TestHost Host, MaskReservation Change) Reserved()
    {
        var host = Start().WithMdev("m", "4", "");
        var change = Change();
        host.Engine.ReserveMasks(change, applied: 10);
        return (host, change);
    }

    [Fact]
    public void A_reserved_change_refuses_every_assignment_of_a_queue_it_reserves()
    {
        var (host, _) = Reserved();

        var refused = host.Refused(MatrixErrorKind.Reserved, () => host.Engine.AssignDomain("m", 5));
        Assert.Contains("04.0005", refused.Message);
        Assert.Contains("mask change in progress", refused.Message);
        host.Refused(MatrixErrorKind.Reserved, () => host.Engine.SetMatrix("m", Masks("4", "4-5", "")));
        host.Engine.CreateMdev("n");
        host.Engine.AssignDomain("n", 5);
        host.Refused(MatrixErrorKind.Reserved, () => host.Engine.AssignAdapter("n", 4));

        host.Engine.AssignDomain("m", 4);
        Assert.Equal(Masks("4", "4", ""), host.Mdev().Assigned);
    }

    [Fact]
    public void The_veto_still_comes_first_and_a_vetoed_change_holds_nothing()
    {
        var host = Start().WithMdev("m", "4", "5");

        var vetoed = host.Refused(MatrixErrorKind.Busy, () => host.Engine.ReserveMasks(Change(), applied: 10));

        Assert.Contains("04.0005", vetoed.Message);
        Assert.Empty(host.Engine.MaskReservations);
    }

    [Fact]
    public void A_released_change_stops_holding_assignments_off()
    {
        var (host, change) = Reserved();

        Assert.True(host.Engine.ReleaseMasks(change.Id));
        Assert.False(host.Engine.ReleaseMasks(change.Id));

        host.Engine.AssignDomain("m", 5);
        Assert.Empty(host.Engine.MaskReservations);
    }

    [Fact]
    public void Applying_the_event_after_the_check_ends_the_reservation_whatever_that_event_is()
    {
        var (host, change) = Reserved();

        host.Engine.OnBusEventsApplied(10);
        Assert.Equal([change], host.Engine.MaskReservations);

        host.Engine.OnBusEventsApplied(11);
        Assert.Empty(host.Engine.MaskReservations);
    }

    [Fact]
    public void A_check_made_before_an_applied_event_is_answered_but_holds_nothing()
    {
        var host = Start().WithMdev("m", "4", "5");
        host.Refused(MatrixErrorKind.Busy, () => host.Engine.ReserveMasks(Change(after: 9), applied: 10));

        host.Engine.ReserveMasks(Change("5", "5", after: 9), applied: 10);

        Assert.Empty(host.Engine.MaskReservations);
    }

    [Fact]
    public void The_same_reservation_twice_is_held_once()
    {
        var (host, change) = Reserved();

        host.Engine.ReserveMasks(change, applied: 10);

        Assert.Equal([change], host.Engine.MaskReservations);
    }

    [Theory]
    [InlineData(59, 10L, false)]
    [InlineData(60, 10L, true)]
    [InlineData(60, 9L, true)]
    [InlineData(60, null, true)]
    [InlineData(600, 11L, false)]
    public void An_old_reservation_ends_only_when_the_bus_never_moved_past_its_check(int ageSeconds, long? busSequence, bool ends)
    {
        var (host, change) = Reserved();

        var ended = host.Engine.ExpireMaskReservations(Checked.AddSeconds(ageSeconds), Lease, busSequence);

        Assert.Equal(ends ? 1 : 0, ended);
        Assert.Equal(ends ? [] : [change], host.Engine.MaskReservations);
    }

    [Fact]
    public void A_restored_engine_holds_the_same_reservations_in_order()
    {
        var (host, first) = Reserved();
        var second = Change("5", "4", after: 12);
        host.Engine.ReserveMasks(second, applied: 10);

        var restored = VfioApEngine.Restore(host.Engine.Capture());

        Assert.Equal([first, second], restored.MaskReservations);
        Assert.True(host.Engine.Capture().SameAs(restored.Capture()));
        Assert.Throws<MatrixException>(() => restored.AssignDomain("m", 5));
    }
}
