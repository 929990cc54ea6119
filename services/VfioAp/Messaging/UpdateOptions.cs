namespace Apmatrix.VfioAp.Messaging;

/// <summary>How guest updates are re-sent (configuration section <c>Updates</c>).</summary>
public sealed class UpdateOptions
{
    public const string Section = "Updates";

    /// <summary>How long a guest update may go unacknowledged before it is sent again.</summary>
    public TimeSpan ResendAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often every guest whose updates are all acknowledged is sent its last version again, so a guest that holds
    /// another (one side's database restored from an older backup) is found without waiting for its next change; 0: never.
    /// </summary>
    public TimeSpan VerifyEvery { get; set; } = TimeSpan.FromMinutes(10);
}
