using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>An APCB update sent to a guest, kept until the guest acknowledges it (or a later version) and re-sent until then.</summary>
public sealed class GuestUpdateRow
{
    public required string HostId { get; init; }
    public required string Guest { get; init; }
    public long Version { get; init; }
    public Bitmap256 Apm { get; init; }
    public Bitmap256 Aqm { get; init; }
    public Bitmap256 Adm { get; init; }
    public string? Mdev { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime SentAt { get; set; }
    public DateTime? AckedAt { get; set; }

    /// <summary>Made by a scan complete, so created_at is when the scan's ScanComplete was applied (the scan-to-guest-applied histogram).</summary>
    public bool ScanCaused { get; init; }

    /// <summary>A new update's row; the database stamps its created_at and sent_at when it is written.</summary>
    public static GuestUpdateRow From(string hostId, GuestApcbUpdate update, bool scanCaused = false) => new()
    {
        HostId = hostId, Guest = update.Guest, Version = update.Version, Mdev = update.Mdev,
        Apm = update.Apcb.Apm, Aqm = update.Apcb.Aqm, Adm = update.Apcb.Adm, ScanCaused = scanCaused,
    };

    public GuestApcb ToCommand() => new(Guest, Version, Apm.ToMsb0Hex(), Aqm.ToMsb0Hex(), Adm.ToMsb0Hex(), Mdev);

    /// <summary>One <see cref="ApplyApcbs"/> per host (more past its size limit), each host's updates in the order given.</summary>
    public static List<ApplyApcbs> ToMessages(IEnumerable<GuestUpdateRow> updates) =>
    [
        .. updates.GroupBy(u => u.HostId, StringComparer.Ordinal)
            .SelectMany(host => host.Chunk(ApplyApcbs.MaxGuests).Select(chunk => new ApplyApcbs(host.Key, [.. chunk.Select(u => u.ToCommand())]))),
    ];
}
