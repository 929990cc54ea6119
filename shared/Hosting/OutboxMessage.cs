namespace Apmatrix.Hosting;

/// <summary>A message committed with the state change that caused it, published after commit by <see cref="OutboxDispatcher{TContext}"/>.</summary>
public sealed class OutboxMessage
{
    public long Sequence { get; set; }
    public Guid MessageId { get; set; }
    public required string MessageType { get; set; }
    public required string Body { get; set; }
    public DateTime CreatedAt { get; set; }
}
