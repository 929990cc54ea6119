using Apmatrix.ApModel;

namespace Apmatrix.GuestVm.Persistence;

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
