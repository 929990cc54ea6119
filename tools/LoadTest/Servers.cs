using System.Diagnostics;
using System.Globalization;
using System.Net;
using Apmatrix.Hosting;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Apmatrix.LoadTest;

/// <summary>
/// The RabbitMQ virtual host and PostgreSQL databases of a run. A fresh virtual host matters: a queue
/// left bound by an earlier run would keep a copy of every message and slow the stack it measures.
/// </summary>
/// <param name="broker">The admin's connection: the run's own buses (observers, ceiling) and rabbitmqctl-like work.</param>
/// <param name="postgres">The admin's connection string: makes and drops the services' databases, reads them for reports.</param>
/// <param name="services">Each service's own broker URL (apbus, vfioap, guestvm); only its user and password are taken.</param>
/// <param name="databases">Each service's own database role as a connection string (apbus, vfioap, guestvm); only its user and password are taken.</param>
public sealed class Servers(Uri broker, string postgres, IReadOnlyDictionary<string, Uri> services, IReadOnlyDictionary<string, string> databases)
{
    /// <summary>The services with a broker user and a database role of their own, as they are named.</summary>
    public static readonly string[] Services = ["apbus", "vfioap", "guestvm"];

    /// <summary>The admin's broker connection, which the run's own buses use.</summary>
    public Uri Broker { get; private set; } = broker;
    public string Postgres { get; } = postgres;

    /// <summary>The broker as <paramref name="service"/>'s own user, on the run's node and virtual host.</summary>
    public Uri BrokerOf(string service) =>
        services.TryGetValue(service.ToLowerInvariant(), out var own)
            ? new UriBuilder(Broker) { UserName = own.UserInfo.Split(':')[0], Password = own.UserInfo.Split(':')[1] }.Uri
            : throw new InvalidOperationException($"no broker user for {service}: scripts/servers.sh up && source .servers.env");

    /// <summary>The database <paramref name="name"/> as <paramref name="service"/>'s own role, on the run's PostgreSQL.</summary>
    public string DatabaseOf(string service, string name) =>
        databases.TryGetValue(service.ToLowerInvariant(), out var own) && new NpgsqlConnectionStringBuilder(own) is var role
            ? new NpgsqlConnectionStringBuilder(Postgres) { Username = role.Username, Password = role.Password, Database = name }.ConnectionString
            : throw new InvalidOperationException($"no database role for {service}: scripts/servers.sh up && source .servers.env");

    /// <summary>The services' broker settings: one node and classic queues, or the cluster's nodes and quorum queues.</summary>
    public BrokerTopology Topology { get; private set; } = BrokerTopology.From(new ConfigurationBuilder().Build());

    /// <summary>The cluster the run uses (and may fault), or null on the single node.</summary>
    public ClusterNodes? Cluster { get; private set; }

    /// <summary>Runs on the cluster: connects to its first node with the same user and virtual host, quorum queues everywhere.</summary>
    public void UseCluster(ClusterNodes cluster)
    {
        var first = cluster.Nodes[0];
        var colon = first.LastIndexOf(':');
        Broker = new UriBuilder(Broker) { Host = first[..colon], Port = int.Parse(first[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture) }.Uri;
        Topology = BrokerTopology.From(new ConfigurationBuilder()
            .AddInMemoryCollection([new("Messaging:Nodes", string.Join(',', cluster.Nodes))]).Build());
        Cluster = cluster;
        foreach (var node in cluster.Nodes)
            if (!IsLoopback(node[..node.LastIndexOf(':')])) throw new InvalidOperationException($"node {node} is not on loopback; the load test talks to 127.0.0.1 only");
    }

    /// <summary>The settings a service needs for <see cref="Topology"/>, beyond its connection string.</summary>
    public IEnumerable<(string Key, string Value)> BrokerSettings() =>
        Cluster is null ? [] : [("Messaging:Nodes", string.Join(',', Cluster.Nodes))];

    public static Servers FromEnvironment()
    {
        var broker = Environment.GetEnvironmentVariable("APMATRIX_RABBITMQ");
        var postgres = Environment.GetEnvironmentVariable("APMATRIX_POSTGRES");
        if (string.IsNullOrWhiteSpace(broker) || string.IsNullOrWhiteSpace(postgres))
            throw new InvalidOperationException("APMATRIX_RABBITMQ and APMATRIX_POSTGRES are not set: scripts/servers.sh up && source .servers.env");
        var services = Services.ToDictionary(s => s, s =>
            Environment.GetEnvironmentVariable($"APMATRIX_RABBITMQ_{s.ToUpperInvariant()}") is { Length: > 0 } url ? new Uri(url)
            : throw new InvalidOperationException($"APMATRIX_RABBITMQ_{s.ToUpperInvariant()} is not set: scripts/servers.sh up && source .servers.env"));
        var databases = Services.ToDictionary(s => s, s =>
            Environment.GetEnvironmentVariable($"APMATRIX_POSTGRES_{s.ToUpperInvariant()}") is { Length: > 0 } roles ? roles
            : throw new InvalidOperationException($"APMATRIX_POSTGRES_{s.ToUpperInvariant()} is not set: scripts/servers.sh up && source .servers.env"));
        var servers = new Servers(new Uri(broker), postgres, services, databases);
        servers.EnsureLoopback();
        return servers;
    }

    /// <summary>A load run talks to this machine only.</summary>
    public void EnsureLoopback()
    {
        var postgresHost = new NpgsqlConnectionStringBuilder(Postgres).Host ?? "";
        foreach (var host in new[] { Broker.Host, postgresHost })
            if (!IsLoopback(host))
                throw new InvalidOperationException($"server {host} is not on loopback; the load test talks to 127.0.0.1 only");
    }

    static bool IsLoopback(string host) => host == "localhost" || IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);

    /// <summary>
    /// Re-creates <paramref name="virtualHost"/> empty with rabbitmqctl and switches to it, each service user with the
    /// permissions it has on the configured one (scripts/servers.sh sets them); false, keeping the configured virtual
    /// host, where rabbitmqctl is missing or cannot reach the broker.
    /// </summary>
    public async Task<bool> UseFreshVirtualHostAsync(string virtualHost, CancellationToken cancellationToken)
    {
        var user = Uri.UnescapeDataString(Broker.UserInfo.Split(':')[0]);
        if (await TryRabbitmqctlAsync(["list_permissions", "-p", VirtualHost, "--no-table-headers"], cancellationToken) is not { } granted) return false;
        await TryRabbitmqctlAsync(["delete_vhost", virtualHost], cancellationToken);
        if (await TryRabbitmqctlAsync(["add_vhost", virtualHost], cancellationToken) is null ||
            await TryRabbitmqctlAsync(["set_permissions", "-p", virtualHost, user, ".*", ".*", ".*"], cancellationToken) is null)
            throw new InvalidOperationException($"rabbitmqctl could not create virtual host {virtualHost} for {user}");
        foreach (var fields in granted.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')))
            if (fields.Length == 4 && services.Values.Any(s => s.UserInfo.Split(':')[0] == fields[0]) &&
                await TryRabbitmqctlAsync(["set_permissions", "-p", virtualHost, .. fields], cancellationToken) is null)
                throw new InvalidOperationException($"rabbitmqctl could not give {fields[0]} its permissions on {virtualHost}");
        Broker = new UriBuilder(Broker) { Path = "/" + Uri.EscapeDataString(virtualHost) }.Uri;
        return true;
    }

    /// <summary>
    /// The <c>_error</c> queues of the current virtual host holding messages, with their counts (the services make every one
    /// at start, so an empty one says nothing); null where rabbitmqctl cannot tell.
    /// </summary>
    public async Task<Dictionary<string, long>?> ErrorQueuesAsync(CancellationToken cancellationToken)
    {
        var listing = await TryRabbitmqctlAsync(["list_queues", "-p", VirtualHost, "--no-table-headers", "name", "messages"], cancellationToken);
        if (listing is null) return null;
        var errors = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split('\t');
            if (fields.Length == 2 && fields[0].EndsWith("_error", StringComparison.Ordinal) && long.TryParse(fields[1], out var count) && count > 0)
                errors[fields[0]] = count;
        }
        return errors;
    }

    /// <summary>The virtual host of <see cref="Broker"/>, as rabbitmqctl names it.</summary>
    public string VirtualHost => Uri.UnescapeDataString(Broker.AbsolutePath.TrimStart('/')) is { Length: > 0 } vhost ? vhost : "/";

    /// <summary>
    /// Messages RabbitMQ redelivered to consumers, summed over the nodes' Prometheus counters (scripts/servers.sh puts each
    /// node's at its AMQP port + 10020); a restarted node counts from zero again. Null where no node answers.
    /// </summary>
    public async Task<long?> RedeliveredAsync(CancellationToken cancellationToken)
    {
        var ports = Cluster is null ? [Broker.Port] : Cluster.Nodes.Select(n => int.Parse(n[(n.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
        long? total = null;
        foreach (var port in ports)
        {
            try
            {
                var text = await Metrics.GetStringAsync($"http://127.0.0.1:{port + 10020}/metrics", cancellationToken);
                total = (total ?? 0) + text.Split('\n').Where(l => l.StartsWith("rabbitmq_global_messages_redelivered_total{", StringComparison.Ordinal))
                    .Sum(l => (long)double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
            }
            catch (HttpRequestException)
            {
                // A node that is down has nothing to add.
            }
        }
        return total;
    }

    static readonly HttpClient Metrics = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>Runs pg_ctlcluster (stop, start, restart; fast shutdown) on the PostgreSQL cluster scripts/servers.sh started.</summary>
    public async Task PostgresAsync(string action, CancellationToken cancellationToken)
    {
        var clusters = await RunAsync(new ProcessStartInfo("pg_lsclusters", "-h"), cancellationToken);
        var version = clusters.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(f => f.Length > 1 && f[1] == "main")?[0] ?? throw new InvalidOperationException("pg_lsclusters shows no cluster 'main'");
        var start = new ProcessStartInfo("pg_ctlcluster");
        foreach (var argument in action == "start" ? [version, "main", action] : new[] { version, "main", action, "-m", "fast" })
            start.ArgumentList.Add(argument);
        await RunAsync(start, cancellationToken);
    }

    /// <summary>rabbitmqctl against the run's broker (on a cluster, the first node that answers); throws when it fails.</summary>
    public async Task<string> RabbitmqctlAsync(string[] arguments, CancellationToken cancellationToken) =>
        await TryRabbitmqctlAsync(arguments, cancellationToken)
        ?? throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed");

    /// <summary>A tool's standard output; throws with its error output when it fails.</summary>
    internal static async Task<string> RunAsync(ProcessStartInfo start, CancellationToken cancellationToken)
    {
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode == 0 ? await output
            : throw new InvalidOperationException($"{start.FileName} {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {error.Trim()}");
    }

    /// <summary>Makes <paramref name="service"/>'s database <paramref name="name"/> as the admin, owned by the service's role.</summary>
    public Task CreateDatabaseAsync(string service, string name, CancellationToken cancellationToken) =>
        CreateDatabaseAsync(Postgres, name, new NpgsqlConnectionStringBuilder(DatabaseOf(service, name)).Username!, cancellationToken);

    /// <summary>
    /// A database only <paramref name="owner"/> (and the admin, a member of it) may connect to, made by the admin
    /// (<paramref name="admin"/>): a service never creates its own; it migrates it as its owner.
    /// </summary>
    public static async Task CreateDatabaseAsync(string admin, string name, string owner, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(admin) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\" OWNER \"{owner}\"", connection))
            await create.ExecuteNonQueryAsync(cancellationToken);
        await using var revoke = new NpgsqlCommand($"REVOKE ALL ON DATABASE \"{name}\" FROM PUBLIC", connection);
        await revoke.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task DropDatabaseAsync(string name, CancellationToken cancellationToken) => DropDatabaseAsync(Postgres, name, cancellationToken);

    /// <summary>Drops <paramref name="name"/> as the admin (<paramref name="admin"/>), its connections ended first.</summary>
    public static async Task DropDatabaseAsync(string admin, string name, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(admin) { Database = "postgres" }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await drop.ExecuteNonQueryAsync(cancellationToken);
                return;
            }
            // FORCE may not end a backend of a role the admin is not a member of (an autovacuum worker's); such a worker is soon done.
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 20)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }
    }

    /// <summary>
    /// The tool's standard output, or null when it is missing or fails; on a cluster, the first node's that answers: any node
    /// speaks for all, and a fault run may have killed one.
    /// </summary>
    async Task<string?> TryRabbitmqctlAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var starts = Cluster is null ? [new ProcessStartInfo("rabbitmqctl")] : Enumerable.Range(0, Cluster.Nodes.Count).Select(Cluster.Rabbitmqctl);
        foreach (var start in starts)
        {
            start.ArgumentList.Add("-q");
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            try
            {
                return await RunAsync(start, cancellationToken);
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
            }
        }
        return null;
    }
}
