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

    public static string? Problem(ApcbsApplied acks) =>
        GuestGroups.Problem(acks.HostId, acks.Guests, "acknowledgement",
            ack => Names.Problem("guest", ack.GuestId) ?? (ack.Version < 1 ? $"version {ack.Version} is below 1" : null));
}
