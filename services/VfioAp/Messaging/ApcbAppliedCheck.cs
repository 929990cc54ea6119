using Apmatrix.Contracts;
using Apmatrix.Hosting;

namespace Apmatrix.VfioAp.Messaging;

/// <summary>An acknowledgement that can match no guest update faults on its own, before batching, to <c>apcb-applied_error</c>.</summary>
public static class ApcbAppliedCheck
{
    public static void Check(ApcbApplied ack)
    {
        if (Problem(ack) is { } problem) throw new FormatException($"ApcbApplied cannot be applied: {problem}");
    }

    public static string? Problem(ApcbApplied ack) =>
        MessageIds.Problem("host id", ack.HostId) ?? MessageIds.Problem("guest id", ack.GuestId)
        ?? (ack.Version < 1 ? $"version {ack.Version} is below 1" : null);
}
