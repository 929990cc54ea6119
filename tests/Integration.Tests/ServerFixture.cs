using System.Diagnostics;
using Apmatrix.Hosting;
using Apmatrix.LoadTest;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Apmatrix.Integration.Tests;

/// <summary>
/// Real RabbitMQ and PostgreSQL for the tests: the servers scripts/servers.sh started (its
/// environment variables), else containers where a Docker engine answers, else a loud failure.
/// Never a skip: a test that cannot reach its servers must not pass.
/// </summary>
public sealed class ServerFixture : IAsyncDisposable
{
    public const string RabbitVariable = "APMATRIX_TEST_RABBITMQ";
    public const string PostgresVariable = "APMATRIX_TEST_POSTGRES";

    /// <summary>The broker users scripts/servers.sh makes, one per service and an auditor; each has <c>APMATRIX_TEST_RABBITMQ_&lt;USER&gt;</c>.</summary>
    public static readonly string[] BrokerUsers = ["apbus", "vfioap", "guestvm", "auditor"];

    readonly List<IContainer> _containers = [];
    readonly Dictionary<string, Uri> _brokerUsers = [];
    readonly Dictionary<string, string> _databaseRoles = [];

    /// <summary>The test admin's broker URL: cleanup and taps, never a service.</summary>
    public Uri RabbitMq { get; private set; } = null!;

    /// <summary>The test admin's connection string: makes and drops the services' databases, reads them, never a service.</summary>
    public string PostgresAdmin { get; private set; } = null!;

    public async Task StartAsync()
    {
        var rabbit = Environment.GetEnvironmentVariable(RabbitVariable);
        var postgres = Environment.GetEnvironmentVariable(PostgresVariable);
        if (!string.IsNullOrWhiteSpace(rabbit) && !string.IsNullOrWhiteSpace(postgres))
        {
            (RabbitMq, PostgresAdmin) = (new Uri(rabbit), postgres);
            foreach (var user in BrokerUsers)
                _brokerUsers[user] = Environment.GetEnvironmentVariable($"{RabbitVariable}_{user.ToUpperInvariant()}") is { Length: > 0 } url
                    ? new Uri(url)
                    : throw new InvalidOperationException($"{RabbitVariable}_{user.ToUpperInvariant()} is unset: scripts/servers.sh up writes one broker URL per service to .servers.env");
            // One database role per service, as scripts/servers.sh makes them; each has APMATRIX_TEST_POSTGRES_<ROLE>.
            foreach (var role in Servers.Services)
                _databaseRoles[role] = Environment.GetEnvironmentVariable($"{PostgresVariable}_{role.ToUpperInvariant()}") is { Length: > 0 } roles
                    ? roles
                    : throw new InvalidOperationException($"{PostgresVariable}_{role.ToUpperInvariant()} is unset: scripts/servers.sh up writes one database role per service to .servers.env");
            return;
        }
        if (TestcontainersSettings.OS.DockerEndpointAuthConfig is null)
            throw new InvalidOperationException(
                $"No test servers: {RabbitVariable}/{PostgresVariable} are unset and no Docker engine answered. " +
                "Run scripts/test.sh (it starts RabbitMQ and PostgreSQL), or scripts/servers.sh up && source .servers.env.");
        // The plugins the servers get natively and under compose: VfioAp's lanes hang off a consistent-hash exchange.
        var plugins = await File.ReadAllBytesAsync(Path.Combine(Repository.Root(), "scripts", "rabbitmq-enabled-plugins"));
        var rabbitContainer = new RabbitMqBuilder("rabbitmq:3.13-management").WithResourceMapping(plugins, new FileInfo("/etc/rabbitmq/enabled_plugins")).Build();
        var postgresContainer = new PostgreSqlBuilder("postgres:15").Build();
        _containers.AddRange([rabbitContainer, postgresContainer]);
        await Task.WhenAll(rabbitContainer.StartAsync(), postgresContainer.StartAsync());
        (RabbitMq, PostgresAdmin) = (new Uri(rabbitContainer.GetConnectionString()), postgresContainer.GetConnectionString());
        await ProvisionBrokerUsersAsync(rabbitContainer);
        await ProvisionDatabaseRolesAsync(postgresContainer);
    }

    /// <summary>The broker as <paramref name="user"/>: a service's own user, the auditor, or the admin's.</summary>
    public Uri Broker(string user) =>
        _brokerUsers.TryGetValue(user, out var url) ? url
        : user == Publishers.User(RabbitMq) ? RabbitMq
        : throw new ArgumentException($"no broker user '{user}'", nameof(user));

    /// <summary>The same users and permissions as scripts/servers.sh gives the shared servers, from its own definitions.</summary>
    async Task ProvisionBrokerUsersAsync(IContainer rabbit)
    {
        var definitions = await ServersScriptAsync("definitions", "/");
        await rabbit.CopyAsync(System.Text.Encoding.UTF8.GetBytes(definitions), "/tmp/apmatrix-definitions.json");
        var imported = await rabbit.ExecAsync(["rabbitmqctl", "import_definitions", "/tmp/apmatrix-definitions.json"]);
        if (imported.ExitCode != 0) throw new InvalidOperationException($"rabbitmqctl import_definitions failed: {imported.Stderr}");
        // The definitions hold only password hashes; each password is the secret servers.sh made for them.
        foreach (var name in BrokerUsers)
        {
            var password = File.ReadAllText(Path.Combine(Repository.Root(), ".secrets", $"mq-{name}"));
            _brokerUsers[name] = new UriBuilder(RabbitMq) { UserName = name, Password = password }.Uri;
        }
    }

    /// <summary>The same roles, memberships and database rights as scripts/servers.sh gives the shared server, from its own script.</summary>
    async Task ProvisionDatabaseRolesAsync(PostgreSqlContainer postgres)
    {
        var definitions = await ServersScriptAsync("pg-definitions");
        await postgres.CopyAsync(System.Text.Encoding.UTF8.GetBytes(definitions), "/tmp/apmatrix-definitions.sql");
        var provisioned = await postgres.ExecAsync(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-d", "postgres", "-f", "/tmp/apmatrix-definitions.sql"]);
        if (provisioned.ExitCode != 0) throw new InvalidOperationException($"psql pg-definitions failed: {provisioned.Stderr}");
        foreach (System.Text.RegularExpressions.Match role in System.Text.RegularExpressions.Regex.Matches(definitions, @"ALTER ROLE (\w+) WITH LOGIN NOCREATEDB .* PASSWORD '(\w+)'"))
            _databaseRoles[role.Groups[1].Value] = new NpgsqlConnectionStringBuilder(PostgresAdmin)
            {
                Username = role.Groups[1].Value,
                Password = role.Groups[2].Value,
                Database = null,
            }.ConnectionString;
    }

    /// <summary>Runs scripts/servers.sh <paramref name="command"/> as a person would, on the machine's servers.</summary>
    internal static async Task RunServersScriptAsync(string repository, string command, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = repository };
        start.ArgumentList.Add(Path.Combine(repository, "scripts", "servers.sh"));
        start.ArgumentList.Add(command);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/servers.sh {command} failed ({process.ExitCode}): {await output}{await errors}");
    }

    /// <summary>scripts/servers.sh's output for <paramref name="arguments"/>, with a throwaway admin password.</summary>
    internal static async Task<string> ServersScriptAsync(params string[] arguments)
    {
        var script = Path.Combine(Repository.Root(), "scripts", "servers.sh");
        var start = new ProcessStartInfo("bash", [script, .. arguments]) { RedirectStandardOutput = true };
        start.Environment["APMATRIX_PASSWORD"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{script} {arguments[0]} failed ({process.ExitCode})");
    }

    /// <summary>The database <paramref name="name"/> as the admin (a member of every service's role): a test reading it, never a service.</summary>
    public string Database(string name) => new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name }.ConnectionString;

    /// <summary>PostgreSQL as <paramref name="service"/>'s own role, no database named.</summary>
    public string DatabaseRole(string service) =>
        _databaseRoles.TryGetValue(service, out var role) ? role : throw new ArgumentException($"no database role '{service}'", nameof(service));

    /// <summary>The database <paramref name="name"/> as <paramref name="service"/>'s own role.</summary>
    public string DatabaseOf(string service, string name) => new NpgsqlConnectionStringBuilder(DatabaseRole(service)) { Database = name }.ConnectionString;

    /// <summary>A fresh database for <paramref name="service"/>, made as the admin and owned by the service's role, which migrates it.</summary>
    public Task CreateDatabaseAsync(string service, string name) =>
        Servers.CreateDatabaseAsync(PostgresAdmin, name, new NpgsqlConnectionStringBuilder(DatabaseRole(service)).Username!, CancellationToken.None);

    public Task DropDatabaseAsync(string name) => Servers.DropDatabaseAsync(PostgresAdmin, name, CancellationToken.None);

    /// <summary>
    /// Deletes this run's queues and exchanges (where rabbitmqctl can list them): left behind, they stay
    /// bound to the message-type exchanges and copy every later message.
    /// </summary>
    public async Task DeleteBrokerObjectsAsync(string prefix)
    {
        if (_containers.Count > 0 || RabbitMq is null) return;
        var vhost = Uri.UnescapeDataString(RabbitMq.AbsolutePath.TrimStart('/'));
        var queues = await RabbitCtlAsync("list_queues", vhost);
        var exchanges = await RabbitCtlAsync("list_exchanges", vhost);
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = RabbitMq };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var queue in queues.Where(q => q.StartsWith(prefix, StringComparison.Ordinal))) await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
        foreach (var exchange in exchanges.Where(e => e.StartsWith(prefix, StringComparison.Ordinal))) await channel.ExchangeDeleteAsync(exchange, ifUnused: false);
    }

    static async Task<IReadOnlyList<string>> RabbitCtlAsync(string listing, string vhost)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("rabbitmqctl", ["-q", listing, "-p", vhost, "name"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return process.ExitCode == 0 ? output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return [];
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var container in _containers) await container.DisposeAsync();
    }
}
