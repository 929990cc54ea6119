namespace Apmatrix.Hosting;

/// <summary>A message committed with the state change that caused it, published after commit by <see cref="OutboxDispatcher{TContext}"/>.</summary>
public sealed class OutboxMessage
{
    public long Sequence { get; set; }
    public Guid MessageId { get; set; }
    public required string MessageType { get; set; }
    public required string Body { get; set; }
    /// <summary>Whose stream the message belongs to (a host): one key's rows are published in order by one dispatcher at a time.</summary>
    public string PartitionKey { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    /// <summary>The W3C traceparent of the request or message that wrote the row: its publish continues that trace.</summary>
    public string? TraceParent { get; set; }
}
