using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Apmatrix.Hosting;

public static class DatabaseSetup
{
    /// <summary>How often a service waiting for its database looks again.</summary>
    public static readonly TimeSpan WaitForDatabaseEvery = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Registers the service's DbContext on <c>ConnectionStrings:Postgres</c> (database defaulting to
    /// <paramref name="defaultDatabase"/>), a readiness check, and migrations applied before anything else starts.
    /// </summary>
    public static IServiceCollection AddApmatrixDatabase<TContext>(this IServiceCollection services, IConfiguration configuration,
        string defaultDatabase) where TContext : DbContext
    {
        var connection = ConnectionString(configuration.GetConnectionString("Postgres")
            ?? throw new InvalidOperationException("ConnectionStrings:Postgres is not set (Host=127.0.0.1;Username=...;Password=...); scripts/servers.sh up writes it to .servers.env"),
            defaultDatabase);
        // EF Core's "Applying migration" lines say what an upgrade changed (appsettings turns its Migrations category on); a start with nothing to apply says nothing.
        services.AddDbContextPool<TContext>(o => o.UseNpgsql(connection)
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.AcquiringMigrationLock, RelationalEventId.MigrationsNotApplied)));
        services.AddSingleton<DatabaseSchema<TContext>>();
        services.AddHealthChecks().AddCheck("database", new DatabaseCheck(connection), tags: ["ready"]);
        services.AddHostedService<MigrateAtStart<TContext>>();
        return services;
    }

    /// <summary>
    /// The service's connection string: <paramref name="configured"/>, on <paramref name="defaultDatabase"/> unless it names
    /// one, and with pooled connections kept as they are and hot statements prepared unless it says otherwise. The services
    /// set no session state (their advisory locks are transaction-scoped), so the DISCARD ALL a pooled connection gets by
    /// default only costs a statement per use and drops what was prepared on it.
    /// </summary>
    public static string ConnectionString(string configured, string defaultDatabase)
    {
        NpgsqlConnectionStringBuilder connection;
        try
        {
            connection = new NpgsqlConnectionStringBuilder(configured);
        }
        catch (ArgumentException e)
        {
            // The value holds a password: only Npgsql's reason is shown.
            throw new InvalidOperationException($"ConnectionStrings:Postgres is not a connection string (Host=127.0.0.1;Username=...;Password=...): {e.Message}");
        }
        // Npgsql's builder knows every keyword, set or not; the plain one holds only those written, in any spelling Npgsql takes.
        var written = new DbConnectionStringBuilder { ConnectionString = configured }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (string.IsNullOrEmpty(connection.Database)) connection.Database = defaultDatabase;
        if (!written.Contains(nameof(connection.NoResetOnClose))) connection.NoResetOnClose = true;
        if (!written.Contains(nameof(connection.MaxAutoPrepare))) connection.MaxAutoPrepare = 64;
        return connection.ConnectionString;
    }

    /// <summary>
    /// What the admin must do when PostgreSQL refuses this service its database, or null when <paramref name="refusal"/> is
    /// something else (an outage, a bad statement). A service never creates its database: its role may not.
    /// </summary>
    public static string? Fix(PostgresException refusal, string database, string role) => refusal.SqlState switch
    {
        PostgresErrorCodes.InvalidCatalogName =>
            $"database \"{database}\" does not exist and role \"{role}\" may not create it: the admin makes it, owned by the service's role " +
            $"(scripts/servers.sh up for the demo's, or CREATE DATABASE \"{database}\" OWNER \"{role}\"; REVOKE ALL ON DATABASE \"{database}\" FROM PUBLIC)",
        PostgresErrorCodes.InsufficientPrivilege =>
            $"role \"{role}\" may not connect to database \"{database}\": it is another service's, or was not given to \"{role}\" " +
            $"(ALTER DATABASE \"{database}\" OWNER TO \"{role}\")",
        PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification =>
            $"PostgreSQL refused role \"{role}\" ({refusal.MessageText}): scripts/servers.sh up makes each service's role and writes its " +
            "connection string to .servers.env (APMATRIX_POSTGRES_<SERVICE>)",
        _ => null,
    };

    /// <summary>Registered before the bus, so no message is consumed against an old schema.</summary>
    sealed class MigrateAtStart<TContext>(IServiceScopeFactory scopes, DatabaseSchema<TContext> schema, ILogger<MigrateAtStart<TContext>> log)
        : IHostedService
        where TContext : DbContext
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                await WaitForDatabaseAsync(cancellationToken);
                await using var scope = scopes.CreateAsyncScope();
                try
                {
                    var db = scope.ServiceProvider.GetRequiredService<TContext>();
                    // Made first with EF's own statement: Npgsql's migrator reads the history before it makes it, and logs that
                    // failure on a fresh database as an error (npgsql/efcore.pg#3407).
                    await db.Database.ExecuteSqlRawAsync(db.GetService<IHistoryRepository>().GetCreateIfNotExistsScript(), cancellationToken);
                    await RefuseNewerAsync(db, cancellationToken);
                    await db.Database.MigrateAsync(cancellationToken);
                    schema.MarkMigrated();
                    return;
                }
                // Several instances starting together race to create the migrations history; the loser tries again.
                catch (PostgresException e) when (attempt < 5 && e.SqlState is PostgresErrorCodes.UniqueViolation)
                {
                    log.LogInformation("migrating raced another instance; trying again");
                }
                // Each migration is a transaction: one cut short by an outage left nothing, and what is missing is applied once it is over.
                catch (NpgsqlException e) when (e.IsTransient)
                {
                    log.LogWarning("PostgreSQL went away while migrating ({Reason}); waiting for it", e.Message);
                }
            }
        }

        /// <summary>
        /// A database a newer build migrated holds what this build would misread or leave stale (a rollback of the
        /// binaries alone): the service does not start on it, and says what to run instead.
        /// </summary>
        static async Task RefuseNewerAsync(TContext db, CancellationToken cancellationToken)
        {
            var database = db.Database.GetDbConnection().Database;
            var known = db.Database.GetMigrations().ToHashSet(StringComparer.Ordinal);
            var unknown = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).Where(m => !known.Contains(m)).ToList();
            if (unknown.Count > 0)
                throw new InvalidOperationException($"database \"{database}\" was migrated by a newer build: it holds migrations this build does not have " +
                    $"({string.Join(", ", unknown)}); run that build or a later one, or restore the database from before that upgrade");
        }

        /// <summary>
        /// Until PostgreSQL answers, and until the admin has made the database and given it to this service's role, the
        /// service waits and says which server or database and what to do (no stack trace, no restart loop); MigrateAsync
        /// would try to create the database.
        /// </summary>
        async Task WaitForDatabaseAsync(CancellationToken cancellationToken)
        {
            var throttle = new LogThrottle(TimeSpan.FromMinutes(1));
            while (true)
            {
                await using var scope = scopes.CreateAsyncScope();
                var connection = new NpgsqlConnectionStringBuilder(scope.ServiceProvider.GetRequiredService<TContext>().Database.GetConnectionString());
                try
                {
                    await using var probe = new NpgsqlConnection(connection.ConnectionString);
                    await probe.OpenAsync(cancellationToken);
                    return;
                }
                catch (PostgresException e) when (Fix(e, connection.Database!, connection.Username!) is { } fix)
                {
                    if (throttle.ShouldLog(fix, DateTime.UtcNow, out _))
                        log.LogError("Waiting for the database: {Fix}; looking again every {Seconds} s", fix, WaitForDatabaseEvery.TotalSeconds);
                }
                catch (NpgsqlException e) when (e.IsTransient)
                {
                    var outage = $"PostgreSQL at {connection.Host}:{connection.Port} does not answer ({e.Message})";
                    if (throttle.ShouldLog(outage, DateTime.UtcNow, out _))
                        log.LogWarning("Waiting for the database: {Outage}; looking again every {Seconds} s", outage, WaitForDatabaseEvery.TotalSeconds);
                }
                await Task.Delay(WaitForDatabaseEvery, cancellationToken);
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
