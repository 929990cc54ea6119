using Apmatrix.GuestVm;
using Apmatrix.GuestVm.Persistence;
using Apmatrix.LoadTest;
using Apmatrix.VfioAp;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Apmatrix.Integration.Tests.Access;

/// <summary>
/// Each service's own database role (scripts/servers.sh): it owns its database and what is in it, PostgreSQL refuses it
/// another service's database and any database or role of its own making (42501), and a service never creates its
/// database: it waits, saying which and how to make it.
/// </summary>
[Collection("stack")]
public class Database_identities(StackFixture stack)
{
    [Theory]
    [InlineData("vfioap", "apbus")]
    [InlineData("apbus", "vfioap")]
    [InlineData("guestvm", "vfioap")]
    [InlineData("vfioap", "guestvm")]
    public async Task Should_refuse_a_role_the_connection_to_another_services_database(string role, string service)
    {
        var database = Name(service);

        var refused = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(stack.Servers.DatabaseOf(role, database)));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Contains($"database \"{database}\"", refused.MessageText);
    }

    [Theory]
    [InlineData("apbus", "postgres")]
    [InlineData("vfioap", "template1")]
    [InlineData("guestvm", "postgres")]
    public async Task Should_refuse_a_service_role_the_maintenance_databases(string role, string database)
    {
        var refused = await Assert.ThrowsAsync<PostgresException>(() => OpenAsync(stack.Servers.DatabaseOf(role, database)));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    /// <summary>Asked of PostgreSQL as the owner, so no other role needs the connect grant it must not have.</summary>
    [Theory]
    [InlineData("apbus")]
    [InlineData("vfioap")]
    [InlineData("guestvm")]
    public async Task Should_let_only_the_owner_connect_to_a_services_database_and_touch_its_tables(string service)
    {
        await using var owned = await OpenAsync(stack.Database(service));
        var owner = Role(service);

        Assert.Equal(owner, await ScalarAsync<string>(owned, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"));
        Assert.Equal(new[] { owner }, await ListAsync(owned, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"));
        foreach (var other in Servers.Services.Select(Role).Where(r => r != owner).Append("public"))
        {
            Assert.False(await ScalarAsync<bool>(owned, $"SELECT has_database_privilege('{other}', current_database(), 'CONNECT')"), $"{other} may connect");
            Assert.Empty(await ListAsync(owned, $"""
                SELECT relname::text FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')
                AND has_table_privilege('{other}', oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')
                """));
        }
    }

    [Theory]
    [InlineData("apbus")]
    [InlineData("vfioap")]
    [InlineData("guestvm")]
    public async Task Should_refuse_a_service_role_a_database_or_a_role_of_its_own_making(string service)
    {
        await using var own = await OpenAsync(stack.Servers.DatabaseOf(service, Name(service)));
        var name = $"{service}_made_{Guid.NewGuid():N}"[..30];

        foreach (var statement in new[] { $"CREATE DATABASE \"{name}\"", $"CREATE ROLE \"{name}\"" })
        {
            await using var command = new NpgsqlCommand(statement, own);
            var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }
    }

    /// <summary>
    /// A role owns its database and so its default search_path: what it puts ahead of pg_catalog there must not run when
    /// scripts/servers.sh provisions that database again as the superuser (a view and a function named as the catalog's).
    /// </summary>
    [Fact]
    public async Task Should_run_nothing_a_service_role_planted_in_its_database_when_the_servers_are_provisioned_again()
    {
        const string database = "guestvm";
        var trap = $"trap_{Guid.NewGuid():N}"[..20];
        await using var own = await OpenAsync(stack.Servers.DatabaseOf("guestvm", database));
        await ExecuteAsync(own, $"""
            CREATE SCHEMA {trap};
            CREATE TABLE {trap}.ran (who text, superuser text);
            GRANT USAGE ON SCHEMA {trap} TO PUBLIC;
            GRANT INSERT ON {trap}.ran TO PUBLIC;
            CREATE VIEW {trap}.pg_tables AS SELECT 'public'::name AS schemaname, 'planted'::name AS tablename, 'nobody'::name AS tableowner;
            GRANT SELECT ON {trap}.pg_tables TO PUBLIC;
            CREATE FUNCTION {trap}.format(text, name) RETURNS text LANGUAGE plpgsql AS $$
            BEGIN INSERT INTO {trap}.ran VALUES (current_user, current_setting('is_superuser')); RETURN 'SELECT 1'; END $$;
            ALTER DATABASE {database} SET search_path = {trap}, pg_catalog, public;
            """);
        try
        {
            // The trap works: an unqualified read of the catalog in a new session there runs the role's function.
            await using (var reader = await OpenAsync(stack.Servers.DatabaseOf("guestvm", database)))
                await ExecuteAsync(reader, "SELECT format('%I', tablename) FROM pg_tables");
            Assert.Equal(["guestvm off"], await ListAsync(own, $"SELECT who || ' ' || superuser FROM {trap}.ran"));
            await ExecuteAsync(own, $"DELETE FROM {trap}.ran");

            await ServerFixture.RunServersScriptAsync(Apmatrix.LoadTest.Repository.Root(), "up", CancellationToken.None);

            Assert.Empty(await ListAsync(own, $"SELECT who || ' ' || superuser FROM {trap}.ran"));
        }
        finally
        {
            await ExecuteAsync(own, $"ALTER DATABASE {database} RESET search_path; DROP SCHEMA {trap} CASCADE;");
        }
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Should_wait_for_a_missing_database_saying_which_and_how_to_make_it_and_start_once_it_is_made()
    {
        var missing = $"vfioap_missing_{Guid.NewGuid():N}"[..30];
        var log = new LogLines();
        var starting = stack.StartOwnAsync(VfioApApp.Build, "vfioap", "missing", builder =>
        {
            builder.Configuration["ConnectionStrings:Postgres"] = stack.Servers.DatabaseOf("vfioap", missing);
            builder.Logging.AddProvider(log);
        });
        try
        {
            await Eventually.TrueAsync(() => Task.FromResult(log.Lines.Any(l => l.Text.Contains(missing))), $"the line naming {missing}");
            var waiting = Assert.Single(log.Lines, l => l.Text.Contains(missing));
            Assert.Equal(LogLevel.Error, waiting.Level);
            Assert.Null(waiting.Exception);
            Assert.Contains($"database \"{missing}\" does not exist and role \"vfioap\" may not create it", waiting.Text);
            Assert.Contains($"CREATE DATABASE \"{missing}\" OWNER \"vfioap\"", waiting.Text);
            Assert.False(starting.IsCompleted);
            await using (var admin = await OpenAsync(stack.Servers.Database("postgres")))
                Assert.Equal(0L, await ScalarAsync<long>(admin, $"SELECT count(*) FROM pg_database WHERE datname = '{missing}'"));

            await stack.Servers.CreateDatabaseAsync("vfioap", missing);

            var app = await starting.WaitAsync(TimeSpan.FromSeconds(60));
            await app.ShutDownAsync();
        }
        finally
        {
            await stack.Servers.DropDatabaseAsync(missing);
        }
    }

    [Fact]
    public async Task Should_say_what_an_upgrade_migrated_and_refuse_a_database_a_newer_build_migrated()
    {
        var log = new LogLines(LogLevel.Information);
        var database = stack.OwnDatabase("guestvm", "newer");
        void OnTheDatabase(WebApplicationBuilder builder)
        {
            builder.Configuration["ConnectionStrings:Postgres"] = database;
            builder.Configuration["Logging:LogLevel:Microsoft.EntityFrameworkCore.Migrations"] = "Information";
            builder.Logging.AddProvider(log);
        }
        var first = await stack.StartOwnAsync(GuestVmApp.Build, "guestvm", "newer", OnTheDatabase);
        List<string> migrations;
        using (var scope = first.Services.CreateScope())
            migrations = scope.ServiceProvider.GetRequiredService<GuestVmDbContext>().Database.GetMigrations().ToList();
        await first.ShutDownAsync();
        await (await stack.StartOwnAsync(GuestVmApp.Build, "guestvm", "newer-again", OnTheDatabase)).ShutDownAsync();

        // Every migration once, from the start that applied it; the start with nothing to apply says nothing.
        Assert.Equal(migrations.Select(m => $"Applying migration '{m}'."), log.Lines.Select(l => l.Text));
        await using (var owner = await OpenAsync(database))
            await ExecuteAsync(owner, "INSERT INTO \"__EFMigrationsHistory\" VALUES ('29991231000000_FromLaterOn', '99.0.0')");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => stack.StartOwnAsync(GuestVmApp.Build, "guestvm", "newer-refused", OnTheDatabase));

        Assert.Equal($"database \"{new NpgsqlConnectionStringBuilder(database).Database}\" was migrated by a newer build: it holds migrations this build does " +
            "not have (29991231000000_FromLaterOn); run that build or a later one, or restore the database from before that upgrade", refused.Message);
    }

    string Name(string service) => new NpgsqlConnectionStringBuilder(stack.Database(service)).Database!;

    string Role(string service) => new NpgsqlConnectionStringBuilder(stack.Servers.DatabaseRole(service)).Username!;

    static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    static async Task<List<string>> ListAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync()) values.Add(reader.GetString(0));
        return values;
    }
}
