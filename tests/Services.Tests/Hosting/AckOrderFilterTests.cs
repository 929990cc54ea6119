using System.Collections.Concurrent;
using Apmatrix.Hosting;
using MassTransit;
using MassTransit.Middleware;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>Messages an endpoint received finish in the order they arrived, however their own work finishes.</summary>
public class AckOrderFilterTests
{
    // Many rounds: the order must hold however the thread pool runs the continuations.
    [Fact]
    public async Task Work_finished_last_first_still_finishes_first_to_last()
    {
        for (var round = 0; round < 200; round++) await FinishesInOrderAsync();
    }

    static async Task FinishesInOrderAsync()
    {
        var filter = new AckOrderFilter<Message>();
        var messages = Enumerable.Range(0, 5).Select(i => new Message(i)).ToList();
        var sent = messages.Select(m => filter.Send(m, Work.Instance)).ToList();
        // Checked where each one finishes: the order of continuations that follow is the thread pool's, not the filter's.
        var finishedEarly = new ConcurrentQueue<int>();
        var checks = sent.Select((s, n) => s.ContinueWith(_ =>
        {
            if (sent.Take(n).Any(before => !before.IsCompleted)) finishedEarly.Enqueue(n);
        }, TaskContinuationOptions.ExecuteSynchronously)).ToList();

        foreach (var m in Enumerable.Reverse(messages).SkipLast(1)) m.Release();
        await Task.WhenAll(messages.Skip(1).Select(m => m.Done));
        await Task.Yield();
        Assert.DoesNotContain(sent, s => s.IsCompleted);

        messages[0].Release();
        await Task.WhenAll(checks);
        Assert.Empty(finishedEarly);
    }

    [Fact]
    public async Task A_message_that_fails_keeps_its_fault_and_holds_back_no_later_one()
    {
        var filter = new AckOrderFilter<Message>();
        var (failing, next) = (new Message(0), new Message(1));
        var failed = filter.Send(failing, Work.Instance);
        var sent = filter.Send(next, Work.Instance);

        next.Release();
        failing.Fail(new InvalidOperationException("bad content"));

        Assert.Equal("bad content", (await Assert.ThrowsAsync<InvalidOperationException>(() => failed)).Message);
        await sent;
    }

    sealed class Message(int number) : BasePipeContext
    {
        readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Number => number;
        public Task Done => _done.Task;
        public void Release() => _release.SetResult();
        public void Fail(Exception e) => _release.SetException(e);

        public async Task WorkAsync()
        {
            try
            {
                await _release.Task;
            }
            finally
            {
                _done.SetResult();
            }
        }
    }

    sealed class Work : IPipe<Message>
    {
        public static readonly Work Instance = new();
        public Task Send(Message context) => context.WorkAsync();
        public void Probe(ProbeContext context) { }
    }
}
