using Apmatrix.ApModel;
using Apmatrix.GuestVm.Guests;

namespace Apmatrix.GuestVm.Persistence;

/// <summary>A guest: its vCPUs, CRYCB format, the APCB it holds (masks and image) and the version that put it there.</summary>
public sealed class GuestRecord
{
    public required string HostId { get; init; }
    public required string GuestId { get; init; }
    public int Vcpus { get; set; }
    public ApcbFormat Format { get; set; }
    public Bitmap256 Apm { get; set; }
    public Bitmap256 Aqm { get; set; }
    public Bitmap256 Adm { get; set; }
    public byte[] Crycb { get; set; } = [];
    public string? Mdev { get; set; }
    public long Version { get; set; }

    /// <summary>Versions applied here (duplicates not counted): one vCPU suspend each.</summary>
    public long UpdateCount { get; set; }

    public double SuspendedMilliseconds { get; set; }
    public DateTime? AppliedAt { get; set; }

    public ApMatrix Apcb => new(Apm, Aqm, Adm);

    public void Apply(long version, string? mdev, ApcbWrite write, DateTime now)
    {
        (Apm, Aqm, Adm) = (write.Masks.Apm, write.Masks.Aqm, write.Masks.Adm);
        Crycb = write.Crycb;
        Mdev = mdev;
        Version = version;
        UpdateCount++;
        SuspendedMilliseconds += write.Suspended.TotalMilliseconds;
        AppliedAt = now;
    }
}

/// <summary>An ApplyApcb that arrived before the versions below it; applied once the gap fills.</summary>
public sealed class PendingApcb
{
    public required string HostId { get; init; }
    public required string GuestId { get; init; }
    public long Version { get; init; }
    public Bitmap256 Apm { get; init; }
    public Bitmap256 Aqm { get; init; }
    public Bitmap256 Adm { get; init; }
    public string? Mdev { get; init; }
    public DateTime ReceivedAt { get; init; }

    public ApMatrix Masks => new(Apm, Aqm, Adm);
}

/// <summary>One applied version: the masks the guest got and how long its vCPUs were suspended for it.</summary>
public sealed class ApcbHistoryEntry
{
    public required string HostId { get; init; }
    public required string GuestId { get; init; }
    public long Version { get; init; }
    public Bitmap256 Apm { get; init; }
    public Bitmap256 Aqm { get; init; }
    public Bitmap256 Adm { get; init; }
    public string? Mdev { get; init; }
    public double SuspendedMilliseconds { get; init; }
    public DateTime AppliedAt { get; init; }
}
