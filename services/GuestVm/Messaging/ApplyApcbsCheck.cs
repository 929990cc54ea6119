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

    public static string? Problem(ApplyApcbs commands)
    {
        if (Names.Problem("host", commands.HostId) is { } host) return host;
        if (commands.Guests is not { Count: > 0 and <= ApplyApcbs.MaxGuests })
            return $"it must carry 1 to {ApplyApcbs.MaxGuests} guest updates, not {commands.Guests?.Count ?? 0}";
        for (var i = 0; i < commands.Guests.Count; i++)
            if (Problem(commands.Guests[i]) is { } problem) return $"update {i + 1}: {problem}";
        return null;
    }

    static string? Problem(GuestApcb? command)
    {
        if (command is null) return "it is null";
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
