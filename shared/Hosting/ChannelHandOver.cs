using System.Net.Mime;
using MassTransit;

namespace Apmatrix.Hosting;

/// <summary>
/// Watches one outbox publish reach the broker's channel. MassTransit serializes a body just before handing it to
/// RabbitMQ.Client, with no wait in between, and the channel sends what it is handed in the order handed; so a body
/// taken on the thread that started the publish, before the start returned, is on the wire in call order. A publish that
/// had to wait first (for a new channel, for its exchange's declaration) goes on later, when many waiting together
/// resume in an order of the thread pool's; and MassTransit re-sends a publish whose connection failed after a delay of
/// its own, in no set order either. So a body taken later may go only if every publish before it is confirmed, and a
/// body is taken once: otherwise the publish fails, its batch with it, and the outbox sends the batch again in order.
/// </summary>
sealed class ChannelHandOver(IReadOnlyList<Task> before)
{
    [ThreadStatic] static ChannelHandOver? t_starting;

    int _taken;

    /// <summary>True once the body was taken on the thread that started the publish, before the start returned.</summary>
    public bool Synchronous { get; private set; }

    /// <summary>Starts a publish with <paramref name="start"/>, whose publish pipe must call <see cref="Watch"/>.</summary>
    public Task Start(Func<ChannelHandOver, Task> start)
    {
        t_starting = this;
        try
        {
            return start(this);
        }
        finally
        {
            t_starting = null;
        }
    }

    public void Watch(SendContext context) => context.Serializer = new Serializer(context.Serializer, this);

    void Taken()
    {
        if (Interlocked.Increment(ref _taken) > 1)
            throw new PublishOutOfTurnException("MassTransit tried a publish again after its connection failed; the outbox sends its batch again, in order");
        if (ReferenceEquals(t_starting, this)) Synchronous = true;
        else if (before.Any(publish => !publish.IsCompletedSuccessfully))
            throw new PublishOutOfTurnException("a publish that waited for its channel would overtake publishes not yet confirmed; the outbox sends its batch again, in order");
    }

    sealed class Serializer(IMessageSerializer inner, ChannelHandOver handOver) : IMessageSerializer
    {
        public ContentType ContentType => inner.ContentType;

        public MessageBody GetMessageBody<T>(SendContext<T> context) where T : class => new Body(inner.GetMessageBody(context), handOver);
    }

    sealed class Body(MessageBody inner, ChannelHandOver handOver) : MessageBody
    {
        public long? Length => inner.Length;

        public Stream GetStream()
        {
            handOver.Taken();
            return inner.GetStream();
        }

        public byte[] GetBytes()
        {
            handOver.Taken();
            return inner.GetBytes();
        }

        public string GetString() => inner.GetString();
    }
}

/// <summary>A publish stopped before the wire because it would have left out of its batch's order (<see cref="ChannelHandOver"/>).</summary>
sealed class PublishOutOfTurnException(string message) : Exception(message);
