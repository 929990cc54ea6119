using MassTransit;
using MassTransit.Transports;

namespace Apmatrix.Hosting;

/// <summary>The dead-letter pipe: moves a message no consumer took to <c>_skipped</c> unstamped (<paramref name="self"/>: this service's broker user).</summary>
sealed class UnstampedDeadLetterFilter(string self) : IFilter<ReceiveContext>
{
    public async Task Send(ReceiveContext context, IPipe<ReceiveContext> next)
    {
        await context.GetPayload<IDeadLetterTransport>().Send(new UnstampedReceiveContext(context, self), DeadLetterMessage.Unconsumed);
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("unstamped-dead-letter");
}
