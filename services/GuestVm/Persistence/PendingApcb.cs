using Apmatrix.ApModel;
using Apmatrix.GuestVm.Core;

namespace Apmatrix.GuestVm.Persistence;

/// <summary>A guest update (an entry of ApplyApcbs) that arrived before the versions below it; applied once the gap fills.</summary>
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

    public ApcbCommand ToCommand() => new(Version, Masks, Mdev, ReceivedAt);
}
