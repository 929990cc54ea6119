using Apmatrix.Hosting;
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

    /// <summary>The test admin's broker URL: cleanup and taps, never a service.</summary>
    public Uri RabbitMq { get; private set; } = null!;
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
            return;
        }
        if (TestcontainersSettings.OS.DockerEndpointAuthConfig is null)
            throw new InvalidOperationException(
                $"No test servers: {RabbitVariable}/{PostgresVariable} are unset and no Docker engine answered. " +
                "Run scripts/test.sh (it starts RabbitMQ and PostgreSQL), or scripts/servers.sh up && source .servers.env.");
        var rabbitContainer = new RabbitMqBuilder("rabbitmq:3.13-management").Build();
        var postgresContainer = new PostgreSqlBuilder("postgres:15").Build();
        _containers.AddRange([rabbitContainer, postgresContainer]);
        await Task.WhenAll(rabbitContainer.StartAsync(), postgresContainer.StartAsync());
        (RabbitMq, PostgresAdmin) = (new Uri(rabbitContainer.GetConnectionString()), postgresContainer.GetConnectionString());
        await ProvisionBrokerUsersAsync(rabbitContainer);
    }

    /// <summary>The broker as <paramref name="user"/>: a service's own user, the auditor, or the admin's.</summary>
    public Uri Broker(string user) =>
        _brokerUsers.TryGetValue(user, out var url) ? url
        : user == Publishers.User(RabbitMq) ? RabbitMq
        : throw new ArgumentException($"no broker user '{user}'", nameof(user));

    /// <summary>The same users and permissions as scripts/servers.sh gives the shared servers, from its own definitions.</summary>
    async Task ProvisionBrokerUsersAsync(IContainer rabbit)
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "servers.sh");
        var start = new System.Diagnostics.ProcessStartInfo("bash", [script, "definitions", "/"]) { RedirectStandardOutput = true };
        start.Environment["APMATRIX_PASSWORD"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        using var process = System.Diagnostics.Process.Start(start)!;
        var definitions = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{script} definitions failed ({process.ExitCode})");
        await rabbit.CopyAsync(System.Text.Encoding.UTF8.GetBytes(definitions), "/tmp/apmatrix-definitions.json");
        var imported = await rabbit.ExecAsync(["rabbitmqctl", "import_definitions", "/tmp/apmatrix-definitions.json"]);
        if (imported.ExitCode != 0) throw new InvalidOperationException($"rabbitmqctl import_definitions failed: {imported.Stderr}");
        using var users = System.Text.Json.JsonDocument.Parse(definitions);
        foreach (var user in users.RootElement.GetProperty("users").EnumerateArray())
        {
            var name = user.GetProperty("name").GetString()!;
            if (BrokerUsers.Contains(name))
                _brokerUsers[name] = new UriBuilder(RabbitMq) { UserName = name, Password = user.GetProperty("password").GetString() }.Uri;
        }
    }

    static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "scripts", "servers.sh"))) return directory.FullName;
        throw new InvalidOperationException("scripts/servers.sh not found above the test binaries");
    }

    /// <summary>A connection string for a fresh database name (the service creates it through its migrations).</summary>
    public string Database(string name) => new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name }.ConnectionString;

    public async Task DropDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(PostgresAdmin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

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
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("rabbitmqctl", ["-q", listing, "-p", vhost, "name"])
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
