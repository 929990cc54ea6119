using MassTransit;

namespace Apmatrix.Hosting;

/// <summary>
/// Stops a receive endpoint (its broker consumer cancelled once the messages in hand are done) and starts it again with a
/// new consumer, which the broker puts at the back of the queue's line of consumers.
/// </summary>
static class ReceiveEndpointRestart
{
    /// <summary>How long the stop may wait for the messages in hand.</summary>
    static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    public static async Task RestartAsync(this IReceiveEndpoint endpoint, CancellationToken stoppingToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        stop.CancelAfter(StopTimeout);
        await endpoint.Stop(stop.Token);
        endpoint.Start(stoppingToken);
    }
}
