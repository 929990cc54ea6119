using Apmatrix.ApModel;
using Apmatrix.Contracts;

namespace Apmatrix.GuestVm.Messaging;

/// <summary>Commands that can never be applied fault on their own, before batching, so only they land in <c>apply-apcbs_error</c>.</summary>
public static class ApplyApcbsCheck
{
    public static void Check(ApplyApcbs commands)
    {
        if (Problem(commands) is { } problem) throw new FormatException($"ApplyApcbs cannot be applied: {problem}");
    }

    public static string? Problem(ApplyApcbs commands) => GuestGroups.Problem(commands.HostId, commands.Guests, "update", Problem);

    static string? Problem(GuestApcb command)
    {
        if (Names.Problem("guest", command.GuestId) is { } guest) return guest;
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
