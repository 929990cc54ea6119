using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Apmatrix.Hosting;

/// <summary>
/// Whether the broker answers this process. Healthy either way: ApBus, which consumes nothing, stays ready with its changes
/// waiting in the outbox (whose own check turns once they wait too long), and a consumer's readiness turns with
/// MassTransit's check; this one says why, where MassTransit's says nothing for a bus without consumers.
/// </summary>
public sealed class BrokerCheck(BrokerConnections connections) : IHealthCheck
{
    public const string Connected = "connected";
    public const string NotAnswering = "the broker does not answer: its connection was lost and no new one has answered yet; what is published waits in the outbox";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy(connections.Answering ? Connected : NotAnswering));
}
