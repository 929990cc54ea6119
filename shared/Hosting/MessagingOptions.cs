namespace Apmatrix.Hosting;

/// <summary>The <c>Messaging</c> section every service reads.</summary>
public sealed class MessagingOptions
{
    public const string Section = "Messaging";

    /// <summary>How long one outbox batch may take to publish before the broker is taken to be gone.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
