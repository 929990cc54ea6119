using MassTransit;

namespace Apmatrix.Hosting;

/// <summary>
/// Keeps a bad message from costing its batch: when a whole batch fails on its content, each message is applied
/// alone, the ones that apply are marked consumed (MassTransit's batch consumer then acknowledges them), and only
/// the rest fault to <c>&lt;queue&gt;_error</c>. Outages and contention are left to the retry filters around the batch.
/// </summary>
public static class BatchIsolation
{
    public static Task ApplyAsync<TMessage>(ConsumeContext<Batch<TMessage>> context,
        Func<IReadOnlyList<TMessage>, CancellationToken, Task> apply) where TMessage : class =>
        ApplyAsync(context, m => m.Message, apply);

    /// <summary>The same, with each message read from its context by <paramref name="read"/>.</summary>
    public static async Task ApplyAsync<TMessage, TRead>(ConsumeContext<Batch<TMessage>> context, Func<ConsumeContext<TMessage>, TRead> read,
        Func<IReadOnlyList<TRead>, CancellationToken, Task> apply) where TMessage : class
    {
        var cancellationToken = context.CancellationToken;
        try
        {
            await apply(context.Message.Select(read).ToList(), cancellationToken);
        }
        catch (Exception e) when (context.Message.Length > 1 && IsBadMessage(e, cancellationToken))
        {
            Exception? bad = null;
            foreach (var message in context.Message)
            {
                try
                {
                    await apply([read(message)], cancellationToken);
                    await message.NotifyConsumed(message, TimeSpan.Zero, nameof(BatchIsolation));
                }
                catch (Exception one) when (IsBadMessage(one, cancellationToken))
                {
                    bad = one;
                }
            }
            if (bad is not null) throw bad;
        }
    }

    static bool IsBadMessage(Exception e, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && e is not OperationCanceledException
        && DatabaseFaults.Classify(e) == DatabaseFault.BadMessage;
}
