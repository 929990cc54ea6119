namespace Apmatrix.Hosting;

/// <summary>
/// The line of <see cref="DeliveryOrderFilter{TContext}"/>: a consumer's delivery tags go on in increasing order, each
/// once the one before it has gone, or once it has waited <c>patience</c> for one that never comes (a tag moved aside
/// before the line, or lost with its channel). A tag below the line's place goes at once: it is late, not early.
/// </summary>
public sealed class DeliveryLine(TimeSpan patience)
{
    readonly Lock _gate = new();
    readonly Dictionary<ulong, TaskCompletionSource> _waiting = [];
    string? _consumer;
    ulong _next;

    /// <summary>Completes (never faults) when <paramref name="tag"/> may go: at once when it is next or late.</summary>
    public Task Enter(string consumer, ulong tag)
    {
        List<TaskCompletionSource>? released = null;
        TaskCompletionSource? waiter = null;
        lock (_gate)
        {
            // A new consumer (a new channel) numbers its deliveries afresh: whatever waited on the old one goes.
            if (_consumer != consumer)
            {
                released = [.. _waiting.Values];
                _waiting.Clear();
                (_consumer, _next) = (consumer, tag);
            }
            if (tag > _next) _waiting[tag] = waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        released?.ForEach(w => w.TrySetResult());
        return waiter is null ? Task.CompletedTask : WaitAsync(waiter.Task);
    }

    async Task WaitAsync(Task turn) => await turn.WaitAsync(patience).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

    /// <summary><paramref name="tag"/> has gone: the next one may go.</summary>
    public void Passed(ulong tag)
    {
        TaskCompletionSource? successor;
        List<TaskCompletionSource>? behind = null;
        lock (_gate)
        {
            if (tag < _next) return;
            // A tag that waited out its patience moves the line past the tags that never came; any waiting below it go too.
            if (tag > _next)
            {
                behind = [];
                foreach (var t in _waiting.Keys.Where(t => t <= tag).ToList())
                    if (_waiting.Remove(t, out var waiting)) behind.Add(waiting);
            }
            _next = tag + 1;
            _waiting.Remove(_next, out successor);
        }
        behind?.ForEach(w => w.TrySetResult());
        successor?.TrySetResult();
    }
}
