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
        Apmask = reservation.Masks.Apmask, Aqmask = reservation.Masks.Aqmask, ReservedAt = Stored(reservation.ReservedAt),
    };

    /// <summary>The instant as PostgreSQL keeps it (whole microseconds), so a cached row equals one read back.</summary>
    static DateTime Stored(DateTime at) => new(at.Ticks - at.Ticks % (TimeSpan.TicksPerMillisecond / 1000), at.Kind);

    /// <summary>The order they are read in: by when reserved, then by id as PostgreSQL orders a uuid (its bytes in RFC 4122 order).</summary>
    public static IEnumerable<MaskReservationRow> InStoredOrder(IEnumerable<MaskReservationRow> rows) =>
        rows.OrderBy(r => r.ReservedAt).ThenBy(r => Convert.ToHexString(r.Id.ToByteArray(bigEndian: true)), StringComparer.Ordinal);
}
