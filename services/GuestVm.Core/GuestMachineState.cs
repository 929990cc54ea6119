using Apmatrix.ApModel;

namespace Apmatrix.GuestVm.Core;

/// <summary>
/// A simulated guest as GuestVm keeps it: its vCPUs, CRYCB format, the APCB it holds (masks and image), the version
/// that put it there, and what its updates have cost.
/// </summary>
public sealed record GuestMachineState(
    int Vcpus,
    ApcbFormat Format,
    ApMatrix Apcb,
    byte[] Crycb,
    string? Mdev,
    long Version,
    long UpdateCount,
    double SuspendedMilliseconds,
    DateTime? AppliedAt)
{
    /// <summary>A guest just defined (or first named by an ApplyApcbs): no APCB yet, the empty image of its format.</summary>
    public static GuestMachineState New(int vcpus, ApcbFormat format) =>
        new(vcpus, format, ApMatrix.Empty, ApMatrix.Empty.ToImage(format), null, 0, 0, 0, null);

    /// <summary>
    /// The guest with new vCPUs and format, or null when the format would change under an APCB it holds: KVM fixes
    /// the CRYCB format when the VM is created.
    /// </summary>
    public GuestMachineState? Redefine(int vcpus, ApcbFormat format) =>
        format == Format ? this with { Vcpus = vcpus }
        : Version > 0 ? null
        : this with { Vcpus = vcpus, Format = format, Crycb = Apcb.ToImage(format) };

    /// <summary>The guest after applying <paramref name="command"/> with <paramref name="write"/>: one more update, its suspend added.</summary>
    public GuestMachineState Applied(ApcbCommand command, ApcbWrite write, DateTime now) => this with
    {
        Apcb = write.Masks,
        Crycb = write.Crycb,
        Mdev = command.Mdev,
        Version = command.Version,
        UpdateCount = UpdateCount + 1,
        SuspendedMilliseconds = SuspendedMilliseconds + write.Suspended.TotalMilliseconds,
        AppliedAt = now,
    };
}
