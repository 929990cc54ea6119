using MassTransit;

namespace Apmatrix.Hosting;

/// <summary>
/// Lets an endpoint's messages finish, and so be acknowledged, in the order they arrived. A finished batch releases its
/// messages through the thread pool, most recent first; RabbitMQ finds an acknowledgement at once only at the front of the
/// consumer's unacknowledged deliveries, so acknowledgements in reverse cost it a walk of the whole batch each.
/// </summary>
public sealed class AckOrderFilter<TContext> : IFilter<TContext> where TContext : class, PipeContext
{
    readonly Lock _gate = new();
    Task _previous = Task.CompletedTask;

    public async Task Send(TContext context, IPipe<TContext> next)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_gate) (previous, _previous) = (_previous, finished.Task);
        try
        {
            await next.Send(context);
        }
        finally
        {
            // Never faults: each message only ever sets its own result.
            await previous;
            finished.SetResult();
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("ack-order");
}
