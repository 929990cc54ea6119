using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Apmatrix.Hosting;

/// <summary>The readiness verdicts, from figures already measured (no I/O), so each threshold is tested on its own.</summary>
public static class Readiness
{
    /// <summary>Before the service's migrations are applied: its tables may not exist yet.</summary>
    public static readonly HealthCheckResult NotMigrated = HealthCheckResult.Unhealthy("the database's migrations are being applied");

    /// <summary>
    /// What a check says: its own description, but for one that failed because PostgreSQL or the broker does not answer,
    /// which says which, rather than EF Core's "likely due to a transient failure" or a socket's error; like the
    /// <c>database</c> check, open to callers without a key, it names no address (the log does).
    /// </summary>
    public static string? Describe(HealthReportEntry entry) =>
        entry.Exception is { } failure && DatabaseFaults.IsOutage(failure) && Unanswering(failure) is { } server
            ? $"{server} does not answer"
            : entry.Description;

    static string? Unanswering(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
            switch (e)
            {
                case Npgsql.NpgsqlException:
                    return "PostgreSQL";
                case RabbitMQ.Client.Exceptions.RabbitMQClientException or RabbitMQ.Client.Exceptions.BrokerUnreachableException
                    or MassTransit.ConnectionException:
                    return "the broker";
            }
        return null;
    }

    /// <summary><paramref name="waited"/>: how long the outbox has waited on its oldest row (<see cref="OutboxHead"/>).</summary>
    public static HealthCheckResult OutboxAge(TimeSpan? waited, TimeSpan maxAge) => waited switch
    {
        null => HealthCheckResult.Healthy("outbox empty"),
        { } age when age <= maxAge => HealthCheckResult.Healthy($"oldest unpublished message waiting {age.TotalSeconds:0}s"),
        { } age => HealthCheckResult.Unhealthy(
            $"oldest unpublished message waiting {age.TotalSeconds:0}s, none published past it (limit {maxAge.TotalSeconds:0}s): messages are not reaching the broker"),
    };

    /// <summary>Each queue's state from <see cref="ConsumerWatch"/>: unhealthy when any has had no consumer past the limit.</summary>
    public static HealthCheckResult Consumers(IReadOnlyDictionary<string, ConsumerState> queues)
    {
        var missing = queues.Where(q => q.Value is ConsumerState.Missing).Select(q => q.Key).Order(StringComparer.Ordinal).ToList();
        var unknown = queues.Where(q => q.Value is ConsumerState.BrokerUnreachable).Select(q => q.Key).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0) return HealthCheckResult.Unhealthy($"no consumer on the broker for queue(s) {string.Join(", ", missing)}");
        if (unknown.Count > 0) return HealthCheckResult.Unhealthy($"the broker does not answer for queue(s) {string.Join(", ", unknown)}");
        return HealthCheckResult.Healthy(queues.Count == 0 ? "no receive endpoints" : $"{queues.Count} queue(s) have a consumer");
    }
}
