namespace Apmatrix.Hosting;

/// <summary>The <c>Messaging</c> section every service reads.</summary>
public sealed class MessagingOptions
{
    public const string Section = "Messaging";

    /// <summary>How long one outbox batch may take to publish before the broker is taken to be gone.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Messages published, confirmed and deleted together, in whole rows (a row may pack several), and the most rows one
    /// read takes: more keep more publishes in flight.
    /// </summary>
    public int OutboxBatchSize { get; set; } = 1000;

    /// <summary>Hosts whose outbox rows one instance publishes at once, each in its own transaction.</summary>
    public int OutboxLanes { get; set; } = 4;
}
