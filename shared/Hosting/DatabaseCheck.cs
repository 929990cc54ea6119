using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Apmatrix.Hosting;

/// <summary>
/// Readiness: PostgreSQL answers a statement on this service's database as its role. When it does not, the answer names
/// the server and the reason, or the admin's fix for a refusal (<see cref="DatabaseSetup.Fix"/>).
/// </summary>
public sealed class DatabaseCheck<TContext>(IServiceScopeFactory scopes) : IHealthCheck where TContext : DbContext
{
    /// <summary>Longer than a busy server's answer, shorter than a probe's patience.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var connection = new NpgsqlConnectionStringBuilder(scope.ServiceProvider.GetRequiredService<TContext>().Database.GetConnectionString());
        var server = $"PostgreSQL at {connection.Host}:{connection.Port}";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Patience);
        try
        {
            // A statement, not only an open: a pooled connection opens without asking the server.
            await using var probe = new NpgsqlConnection(connection.ConnectionString);
            await probe.OpenAsync(timeout.Token);
            await using var statement = new NpgsqlCommand("SELECT 1", probe);
            await statement.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy($"{server} answers");
        }
        catch (PostgresException e) when (DatabaseSetup.Fix(e, connection.Database!, connection.Username!) is { } fix)
        {
            return HealthCheckResult.Unhealthy(fix);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{server} does not answer within {Patience.TotalSeconds:0} s");
        }
        catch (NpgsqlException e)
        {
            return HealthCheckResult.Unhealthy($"{server} does not answer ({e.Message})");
        }
    }
}
