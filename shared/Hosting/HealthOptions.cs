namespace Apmatrix.Hosting;

/// <summary>When readiness turns unhealthy and when the service heals itself (configuration section <c>Health</c>).</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>The oldest unpublished outbox row may be this old before the service is not ready.</summary>
    public TimeSpan OutboxMaxAge { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A host with parked bus events that has not advanced for this long is reported stalled (VfioAp).</summary>
    public TimeSpan StalledHostAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A queue with no consumer on the broker for this long, while the broker answers, gets its endpoint restarted;
    /// longer than MassTransit's largest reconnect interval (30 s), so a reconnect under way is never interrupted.
    /// </summary>
    public TimeSpan ConsumerMissingAfter { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>How often the broker is asked for each queue's consumer count.</summary>
    public TimeSpan ConsumerPollEvery { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A failure that repeats is logged once per this interval, with the count of repeats in between.</summary>
    public TimeSpan RepeatedLogEvery { get; set; } = TimeSpan.FromSeconds(60);
}
