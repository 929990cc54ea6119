namespace Apmatrix.VfioAp.Messaging;

/// <summary>How guest updates are re-sent (configuration section <c>Updates</c>).</summary>
public sealed class UpdateOptions
{
    public const string Section = "Updates";

    /// <summary>How long a guest update may go unacknowledged before it is sent again.</summary>
    public TimeSpan ResendAfter { get; set; } = TimeSpan.FromSeconds(10);
}
