using Apmatrix.ApModel;

namespace Apmatrix.Contracts;

/// <summary>What <see cref="ApplyApcbs"/> and <see cref="ApcbsApplied"/> must both be: one named host, 1 to <see cref="ApplyApcbs.MaxGuests"/> entries.</summary>
public static class GuestGroups
{
    /// <summary>The first fault, naming the entry it is in (counted from 1); <c>null</c> when the message can be applied.</summary>
    public static string? Problem<T>(string? hostId, IReadOnlyList<T?>? entries, string entry, Func<T, string?> problemOf) where T : class
    {
        if (Names.Problem("host", hostId) is { } host) return host;
        if (entries is not { Count: > 0 and <= ApplyApcbs.MaxGuests })
            return $"it must carry 1 to {ApplyApcbs.MaxGuests} {entry}s, not {entries?.Count ?? 0}";
        for (var i = 0; i < entries.Count; i++)
            if ((entries[i] is { } e ? problemOf(e) : "it is null") is { } problem) return $"{entry} {i + 1}: {problem}";
        return null;
    }
}
