using Apmatrix.ApModel;
using Apmatrix.Contracts;
using MassTransit;

namespace Apmatrix.GuestVm.Messaging;

/// <summary>A command that can never be applied faults on its own, before batching, so only it lands in <c>apply-apcb_error</c>.</summary>
public sealed class ApplyApcbCheck : IFilter<ConsumeContext<ApplyApcb>>
{
    public Task Send(ConsumeContext<ApplyApcb> context, IPipe<ConsumeContext<ApplyApcb>> next)
    {
        var problem = Problem(context.Message);
        return problem is null ? next.Send(context) : throw new FormatException($"ApplyApcb cannot be applied: {problem}");
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("apply-apcb-check");

    public static string? Problem(ApplyApcb command)
    {
        if (string.IsNullOrEmpty(command.HostId) || string.IsNullOrEmpty(command.GuestId)) return "host and guest ids are required";
        if (command.Version < 1) return $"version {command.Version} is below 1";
        foreach (var (name, mask) in new[] { ("apm", command.Apm), ("aqm", command.Aqm), ("adm", command.Adm) })
        {
            if (mask is null) return $"{name} is missing";
            if (!Bitmap256.TryParseMsb0Hex(mask, out _, out var error)) return $"{name} '{mask}' is not a sysfs mask: {error}";
        }
        return null;
    }
}
