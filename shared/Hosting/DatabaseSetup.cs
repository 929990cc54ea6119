using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Apmatrix.Hosting;

public static class DatabaseSetup
{
    /// <summary>
    /// Registers the service's DbContext on <c>ConnectionStrings:Postgres</c> (database defaulting to
    /// <paramref name="defaultDatabase"/>), a readiness check, and migrations applied before anything else starts.
    /// </summary>
    public static IServiceCollection AddApmatrixDatabase<TContext>(this IServiceCollection services, IConfiguration configuration,
        string defaultDatabase) where TContext : DbContext
    {
        var connection = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set (Host=127.0.0.1;Username=...;Password=...); scripts/servers.sh up writes it to .servers.env"));
        if (string.IsNullOrEmpty(connection.Database)) connection.Database = defaultDatabase;
        services.AddDbContext<TContext>(o => o.UseNpgsql(connection.ConnectionString));
        services.AddHealthChecks().AddDbContextCheck<TContext>("database", tags: ["ready"]);
        services.AddHostedService<MigrateAtStart<TContext>>();
        return services;
    }

    /// <summary>Registered before the bus, so no message is consumed against an old schema.</summary>
    sealed class MigrateAtStart<TContext>(IServiceScopeFactory scopes, ILogger<MigrateAtStart<TContext>> log) : IHostedService
        where TContext : DbContext
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                await using var scope = scopes.CreateAsyncScope();
                try
                {
                    await scope.ServiceProvider.GetRequiredService<TContext>().Database.MigrateAsync(cancellationToken);
                    return;
                }
                // Several instances starting together race to create the database; the loser tries again.
                catch (PostgresException e) when (attempt < 5 && e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
                {
                    log.LogInformation("database creation raced another instance; trying again");
                }
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
