using Apmatrix.ApModel;
using Apmatrix.Contracts;

namespace Apmatrix.GuestVm.Messaging;

/// <summary>A command that can never be applied faults on its own, before batching, so only it lands in <c>apply-apcb_error</c>.</summary>
public static class ApplyApcbCheck
{
    public static void Check(ApplyApcb command)
    {
        if (Problem(command) is { } problem) throw new FormatException($"ApplyApcb cannot be applied: {problem}");
    }

    public static string? Problem(ApplyApcb command)
    {
        if ((Names.Problem("host", command.HostId) ?? Names.Problem("guest", command.GuestId)) is { } id) return id;
        if (command.Mdev is not null && Names.Problem("mdev", command.Mdev) is { } mdev) return mdev;
        if (command.Version < 1) return $"version {command.Version} is below 1";
        foreach (var (name, mask) in new[] { ("apm", command.Apm), ("aqm", command.Aqm), ("adm", command.Adm) })
        {
            if (mask is null) return $"{name} is missing";
            if (!Bitmap256.TryParseMsb0Hex(mask, out _, out var error)) return $"{name} {InputText.Quote(mask)} is not a sysfs mask: {error}";
        }
        return null;
    }
}
