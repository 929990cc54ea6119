using Apmatrix.VfioAp.Persistence;

namespace Apmatrix.VfioAp.Http;

/// <summary>A mask change ApBus was allowed and VfioAp has not applied: its masks hold off assignments meanwhile.</summary>
public sealed record MaskReservationView(Guid Reservation, long AfterSequence, string Apmask, string Aqmask, DateTime ReservedAt)
{
    public static MaskReservationView From(MaskReservationRow row) =>
        new(row.Id, row.AfterSequence, row.Apmask.ToRangeList(), row.Aqmask.ToRangeList(), row.ReservedAt);
}
