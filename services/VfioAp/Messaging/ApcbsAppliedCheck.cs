using Apmatrix.ApModel;
using Apmatrix.Contracts;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>Acknowledgements that can match no guest update fault on their own, before batching, to <c>apcbs-applied_error</c>.</summary>
public static class ApcbsAppliedCheck
{
    public static void Check(ApcbsApplied acks)
    {
        if (Problem(acks) is { } problem) throw new FormatException($"ApcbsApplied cannot be applied: {problem}");
    }

    public static string? Problem(ApcbsApplied acks)
    {
        if (Names.Problem("host", acks.HostId) is { } host) return host;
        if (acks.Guests is not { Count: > 0 and <= ApplyApcbs.MaxGuests })
            return $"it must acknowledge 1 to {ApplyApcbs.MaxGuests} guests, not {acks.Guests?.Count ?? 0}";
        for (var i = 0; i < acks.Guests.Count; i++)
            if (Problem(acks.Guests[i]) is { } problem) return $"acknowledgement {i + 1}: {problem}";
        return null;
    }

    static string? Problem(GuestApcbApplied? ack) =>
        ack is null ? "it is null"
        : Names.Problem("guest", ack.GuestId) ?? (ack.Version < 1 ? $"version {ack.Version} is below 1" : null);
}
