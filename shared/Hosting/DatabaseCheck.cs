using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Apmatrix.Hosting;

/// <summary>
/// Readiness: PostgreSQL answers a statement on this service's database as its role. The answer is open to callers without a
/// key, so it says only which way it failed; the service's log names the server and the admin's fix.
/// </summary>
public sealed class DatabaseCheck(string connection) : IHealthCheck
{
    /// <summary>Longer than a busy server's answer, shorter than a probe's patience.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Patience);
        try
        {
            // A statement, not only an open: a pooled connection opens without asking the server.
            await using var probe = new NpgsqlConnection(connection);
            await probe.OpenAsync(timeout.Token);
            await using var statement = new NpgsqlCommand("SELECT 1", probe);
            await statement.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy("PostgreSQL answers");
        }
        catch (PostgresException e)
        {
            return HealthCheckResult.Unhealthy($"PostgreSQL refuses the connection (SQLSTATE {e.SqlState}): the service's log says why");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"PostgreSQL does not answer within {Patience.TotalSeconds:0} s");
        }
        catch (NpgsqlException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL does not answer");
        }
    }
}
