using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>A mask change ApBus was allowed and VfioAp has not applied yet (<see cref="MaskReservation"/>); rows are added and deleted, never changed.</summary>
public sealed class MaskReservationRow
{
    public required string HostId { get; init; }
    public Guid Id { get; init; }
    public long AfterSequence { get; init; }
    public Bitmap256 Apmask { get; init; }
    public Bitmap256 Aqmask { get; init; }
    public DateTime ReservedAt { get; init; }

    public MaskReservation ToReservation() => new(Id, AfterSequence, new ApPermissions(Apmask, Aqmask), ReservedAt);

    public static MaskReservationRow From(string hostId, MaskReservation reservation) => new()
    {
        HostId = hostId, Id = reservation.Id, AfterSequence = reservation.AfterSequence,
        Apmask = reservation.Masks.Apmask, Aqmask = reservation.Masks.Aqmask, ReservedAt = reservation.ReservedAt,
    };
}
