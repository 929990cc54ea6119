using MassTransit;
using MassTransit.Transports;

namespace Apmatrix.Hosting;

/// <summary>
/// The error pipe: marks the receive faulted and moves the message to <c>_error</c> unstamped. It publishes no
/// <c>Fault</c>, not even to a fault address a message names, which its sender could forge. <paramref name="self"/>: this
/// service's broker user.
/// </summary>
sealed class UnstampedErrorFilter(string self) : IFilter<ExceptionReceiveContext>
{
    public async Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        if (!context.IsFaulted) await context.NotifyFaulted(context.Exception);
        await context.GetPayload<IErrorTransport>().Send(new UnstampedExceptionReceiveContext(context, self));
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("unstamped-error");
}
