using Apmatrix.ApModel;
using Apmatrix.Engine;
using Apmatrix.VfioAp.Persistence;

namespace Apmatrix.Services.Tests.VfioAp;

/// <summary>
/// The write-back decision on stored rows: host h1 with adapters and domains 1-3 all bound to vfio_ap, mdev m1
/// (adapters 1-2, domains 1-2) on guest g1 at version 1, mdev m2 empty and unattached, a mask change reserving 02.0003
/// made after sequence 5.
/// </summary>
public class LockedHostTests
{
    static Bitmap256 Ids(string rangeList) => Bitmap256.ParseRangeList(rangeList);

    static readonly MaskReservation Stored = new(Guid.Parse("0190a000-0000-7000-8000-000000000001"), 5,
        new ApPermissions(Ids("2"), Ids("3")), new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));

    static (HostRow Host, List<MdevRow> Mdevs, List<GuestRow> Guests, List<MaskReservationRow> Reservations) StoredRows()
    {
        var engine = new VfioApEngine(new ApConfig(Ids("1-3"), Ids("1-3"), Ids("1")));
        foreach (var adapter in Ids("1-3"))
            foreach (var domain in Ids("1-3"))
                engine.OnQueueProbed(new Apqn(adapter, domain));
        engine.CreateMdev("m1");
        engine.SetMatrix("m1", new ApMatrix(Ids("1-2"), Ids("1-2"), Ids("1")));
        engine.Attach("m1", "g1");
        engine.CreateMdev("m2");
        var state = engine.Capture();
        var host = new HostRow { HostId = "h1", Mode = HotPlugMode.Batched, BoundQueues = [] };
        host.Store(state);
        var mdevs = state.Mdevs.Select((m, i) =>
        {
            var row = new MdevRow { HostId = "h1", Name = m.Name, Position = 10 + i };
            row.Store(m);
            return row;
        }).ToList();
        var guests = state.Guests.Select(g =>
        {
            var row = new GuestRow { HostId = "h1", Name = g.Name };
            row.Store(g);
            return row;
        }).ToList();
        return (host, mdevs, guests, [MaskReservationRow.From("h1", Stored)]);
    }

    static LockedHost Load()
    {
        var (host, mdevs, guests, reservations) = StoredRows();
        return new LockedHost(host, StoredHost.Read(mdevs, guests, reservations));
    }

    [Fact]
    public void An_untouched_host_changes_no_mdev_or_guest_row()
    {
        var changes = Load().WriteBack();

        Assert.Equal("h1", changes.HostId);
        Assert.Empty(changes.CreatedMdevs);
        Assert.Empty(changes.ChangedMdevs);
        Assert.Empty(changes.RemovedMdevs);
        Assert.Empty(changes.CreatedGuests);
        Assert.Empty(changes.ChangedGuests);
        Assert.Empty(changes.CreatedReservations);
        Assert.Empty(changes.EndedReservations);
        Assert.Empty(changes.Updates);
    }

    [Fact]
    public void The_stored_engine_comes_back_whole()
    {
        var host = Load();

        Assert.Equal(Ids("1-3"), host.Engine.BoundDomains(2));
        Assert.Equal(new ApMatrix(Ids("1-2"), Ids("1-2"), Ids("1")), host.Engine.FindGuest("g1")?.Apcb);
        Assert.Equal(1, host.Engine.FindGuest("g1")?.Version);
        Assert.Equal(["m1", "m2"], host.Engine.Mdevs.Select(m => m.Name));
        Assert.Equal([Stored], host.Engine.MaskReservations);
    }

    [Fact]
    public void A_created_mdev_is_a_new_row_after_the_last_position()
    {
        var host = Load();
        host.Engine.CreateMdev("m3");

        var changes = host.WriteBack();

        var created = Assert.Single(changes.CreatedMdevs);
        Assert.Equal(("h1", "m3", 12), (created.HostId, created.Name, created.Position));
        Assert.Empty(changes.ChangedMdevs);
        Assert.Empty(changes.RemovedMdevs);
    }

    [Fact]
    public void A_removed_mdev_is_its_stored_row_to_delete()
    {
        var (row, mdevs, guests, reservations) = StoredRows();
        var host = new LockedHost(row, StoredHost.Read(mdevs, guests, reservations));
        host.Engine.RemoveMdev("m2");

        var changes = host.WriteBack();

        Assert.Same(mdevs.Single(m => m.Name == "m2"), Assert.Single(changes.RemovedMdevs));
        Assert.Empty(changes.CreatedMdevs);
    }

    [Fact]
    public void An_assignment_on_an_attached_mdev_changes_its_row_and_the_guest_row_and_hands_over_the_update()
    {
        var host = Load();
        host.Engine.AssignAdapter("m1", 3);

        var changes = host.WriteBack();

        var mdev = Assert.Single(changes.ChangedMdevs);
        Assert.Equal(("m1", Ids("1-3"), Ids("1-3")), (mdev.Name, mdev.AssignedApm, mdev.ShadowApm));
        var guest = Assert.Single(changes.ChangedGuests);
        Assert.Equal(("g1", 2L, Ids("1-3")), (guest.Name, guest.Version, guest.Apm));
        var update = Assert.Single(changes.Updates);
        Assert.Equal(("g1", 2L, "m1"), (update.Guest, update.Version, update.Mdev));
        Assert.Empty(host.Engine.PendingUpdates.ToArray());
    }

    [Fact]
    public void A_change_writes_copies_and_leaves_the_stored_rows_for_the_next_change()
    {
        var (row, mdevs, guests, reservations) = StoredRows();
        var host = new LockedHost(row, StoredHost.Read(mdevs, guests, reservations));
        host.Engine.AssignAdapter("m1", 3);

        var changes = host.WriteBack();

        Assert.NotSame(mdevs[0], Assert.Single(changes.ChangedMdevs));
        Assert.Equal(Ids("1-2"), mdevs[0].AssignedApm);
        Assert.Equal(1, guests[0].Version);
        Assert.Same(changes.ChangedMdevs[0], changes.Stored.Mdevs[0].Row);
        Assert.Same(mdevs[1], changes.Stored.Mdevs[1].Row);
        Assert.Equal(Ids("1-3"), changes.Stored.Mdevs[0].State.Assigned.Apm);
    }

    [Fact]
    public void An_engine_handed_over_is_used_as_it_is()
    {
        var (row, mdevs, guests, reservations) = StoredRows();
        var first = new LockedHost(row, StoredHost.Read(mdevs, guests, reservations));
        first.Engine.AssignAdapter("m1", 3);
        var stored = first.WriteBack().Stored;

        var next = new LockedHost(row, stored, first.Engine);
        next.Engine.UnassignDomain("m1", 2);
        var changes = next.WriteBack();

        Assert.Same(first.Engine, next.Engine);
        Assert.Equal(("m1", Ids("1-3"), Ids("1")), (Assert.Single(changes.ChangedMdevs).Name, changes.ChangedMdevs[0].AssignedApm,
            changes.ChangedMdevs[0].AssignedAqm));
        Assert.Equal(3L, Assert.Single(changes.ChangedGuests).Version);
    }

    [Fact]
    public void A_first_attach_creates_the_guest_row()
    {
        var host = Load();
        host.Engine.AssignAdapter("m2", 3);
        host.Engine.AssignDomain("m2", 3);
        host.Engine.Attach("m2", "g2");

        var changes = host.WriteBack();

        var guest = Assert.Single(changes.CreatedGuests);
        Assert.Equal(("h1", "g2", 1L), (guest.HostId, guest.Name, guest.Version));
        Assert.Equal(new ApMatrix(Ids("3"), Ids("3"), Bitmap256.Empty), guest.Apcb);
        Assert.Equal("g2", Assert.Single(changes.Updates).Guest);
        Assert.Empty(changes.ChangedGuests);
    }

    [Fact]
    public void The_host_row_takes_the_engine_state()
    {
        var host = Load();
        host.Engine.OnPermissionsChanged(new ApPermissions(Ids("7"), Ids("8")));
        host.Engine.OnQueueRemoved(new Apqn(3, 3));

        host.WriteBack();

        Assert.Equal((Ids("7"), Ids("8")), (host.Row.Apmask, host.Row.Aqmask));
        Assert.Equal(Ids("1-2"), host.Row.ReadBoundQueues()[3]);
    }

    [Fact]
    public void A_new_reservation_is_a_new_row_and_an_ended_one_its_stored_row_to_delete()
    {
        var (row, mdevs, guests, reservations) = StoredRows();
        var host = new LockedHost(row, StoredHost.Read(mdevs, guests, reservations));
        var next = Stored with { Id = Guid.CreateVersion7(), AfterSequence = 7, Masks = new ApPermissions(Ids("3"), Ids("1")) };
        host.Engine.ReserveMasks(next, applied: 5);
        host.Engine.OnBusEventsApplied(6);

        var changes = host.WriteBack();

        var created = Assert.Single(changes.CreatedReservations);
        Assert.Equal(("h1", next), (created.HostId, created.ToReservation()));
        Assert.Same(reservations[0], Assert.Single(changes.EndedReservations));
    }
}
