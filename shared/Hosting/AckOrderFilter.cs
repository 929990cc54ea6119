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

    public Task Send(TContext context, IPipe<TContext> next)
    {
        // Each message waits for the task its predecessor's caller awaits, which then resumes that caller first.
        var start = new TaskCompletionSource();
        Task sent;
        lock (_gate) _previous = sent = SendInTurnAsync(_previous, start.Task, context, next);
        start.SetResult();
        return sent;
    }

    static async Task SendInTurnAsync(Task previous, Task start, TContext context, IPipe<TContext> next)
    {
        // Returns at once, so the lock above is held only to take a place in the line, not while the message is handled.
        await start;
        try
        {
            await next.Send(context);
        }
        finally
        {
            await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("ack-order");
}
