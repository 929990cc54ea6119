using MassTransit;
using MassTransit.Transports;

namespace Apmatrix.Hosting;

/// <summary>The dead-letter pipe: moves a message no consumer took to <c>_skipped</c> unstamped.</summary>
sealed class UnstampedDeadLetterFilter : IFilter<ReceiveContext>
{
    public async Task Send(ReceiveContext context, IPipe<ReceiveContext> next)
    {
        await context.GetPayload<IDeadLetterTransport>().Send(new UnstampedReceiveContext(context), "dead-letter");
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("unstamped-dead-letter");
}
