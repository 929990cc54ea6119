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

    readonly List<IContainer> _containers = [];

    public Uri RabbitMq { get; private set; } = null!;
    public string PostgresAdmin { get; private set; } = null!;

    public async Task StartAsync()
    {
        var rabbit = Environment.GetEnvironmentVariable(RabbitVariable);
        var postgres = Environment.GetEnvironmentVariable(PostgresVariable);
        if (!string.IsNullOrWhiteSpace(rabbit) && !string.IsNullOrWhiteSpace(postgres))
        {
            (RabbitMq, PostgresAdmin) = (new Uri(rabbit), postgres);
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
