using Apmatrix.ApModel;
using Apmatrix.GuestVm.Core;

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

    public GuestMachineState ToState() => new(Vcpus, Format, Apcb, Crycb, Mdev, Version, UpdateCount, SuspendedMilliseconds, AppliedAt);

    public void Store(GuestMachineState state)
    {
        (Vcpus, Format, Crycb, Mdev, Version) = (state.Vcpus, state.Format, state.Crycb, state.Mdev, state.Version);
        (Apm, Aqm, Adm) = (state.Apcb.Apm, state.Apcb.Aqm, state.Apcb.Adm);
        (UpdateCount, SuspendedMilliseconds, AppliedAt) = (state.UpdateCount, state.SuspendedMilliseconds, state.AppliedAt);
    }
}
