using MassTransit;

namespace Apmatrix.Hosting;

/// <summary>Runs a message's check before the message joins a batch, so a malformed one faults alone.</summary>
sealed class MessageCheckFilter<TMessage>(Action<ConsumeContext<TMessage>> check) : IFilter<ConsumeContext<TMessage>> where TMessage : class
{
    public Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next)
    {
        check(context);
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("message-check");
}
