using Apmatrix.ApModel;
using Apmatrix.Contracts;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>An acknowledgement that can match no guest update faults on its own, before batching, to <c>apcb-applied_error</c>.</summary>
public static class ApcbAppliedCheck
{
    public static void Check(ApcbApplied ack)
    {
        if (Problem(ack) is { } problem) throw new FormatException($"ApcbApplied cannot be applied: {problem}");
    }

    public static string? Problem(ApcbApplied ack) =>
        Names.Problem("host", ack.HostId) ?? Names.Problem("guest", ack.GuestId)
        ?? (ack.Version < 1 ? $"version {ack.Version} is below 1" : null);
}
