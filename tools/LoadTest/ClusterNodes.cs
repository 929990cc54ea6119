using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Apmatrix.LoadTest;

/// <summary>
/// The RabbitMQ cluster <c>scripts/servers.sh cluster-up</c> started: node i (from 1) of <see cref="Nodes"/> is
/// <c>rmq{i}@localhost</c>, its data under <c>{directory}/n{i}</c>, its cookie in <c>{directory}</c>.
/// </summary>
public sealed class ClusterNodes(string directory, IReadOnlyList<string> nodes)
{
    const string Bin = "/usr/lib/rabbitmq/bin";

    public IReadOnlyList<string> Nodes { get; } = nodes;

    /// <summary>From <c>APMATRIX_RABBITMQ_CLUSTER_DIR</c>, which cluster-up writes to .servers.env.</summary>
    public static ClusterNodes FromEnvironment(IReadOnlyList<string> nodes)
    {
        var directory = Environment.GetEnvironmentVariable("APMATRIX_RABBITMQ_CLUSTER_DIR");
        if (string.IsNullOrWhiteSpace(directory) || !Directory.Exists(directory))
            throw new InvalidOperationException("APMATRIX_RABBITMQ_CLUSTER_DIR is not set: scripts/servers.sh cluster-up && source .servers.env");
        return new ClusterNodes(directory, nodes);
    }

    static string NodeName(int index) => $"rmq{index + 1}@localhost";

    /// <summary>rabbitmqctl as node <paramref name="node"/>'s CLI (from 0): its cookie, its node name.</summary>
    public ProcessStartInfo Rabbitmqctl(int node = 0)
    {
        var start = new ProcessStartInfo(Path.Combine(Bin, "rabbitmqctl")) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["HOME"] = directory;
        start.Environment["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(directory, "rabbitmq-env.conf");
        start.Environment["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add(NodeName(node));
        return start;
    }

    /// <summary>rabbitmqctl on node <paramref name="node"/> (from 0); throws when it fails.</summary>
    public async Task<string> RabbitmqctlAsync(int node, string[] arguments, CancellationToken cancellationToken)
    {
        var start = Rabbitmqctl(node);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return await Servers.RunAsync(start, cancellationToken);
    }

    /// <summary>The node (from 0) leading most of <paramref name="virtualHost"/>'s quorum queues.</summary>
    public async Task<int> LeaderOfMostAsync(string virtualHost, CancellationToken cancellationToken)
    {
        var listing = await RabbitmqctlAsync(0, ["-q", "list_queues", "-p", virtualHost, "--no-table-headers", "type", "leader"], cancellationToken);
        var leaders = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('\t')).Where(f => f.Length == 2 && f[0] == "quorum").Select(f => f[1]).ToList();
        return Enumerable.Range(0, Nodes.Count).MaxBy(i => leaders.Count(l => l == NodeName(i)));
    }

    /// <summary>Starts the nodes that are down (scripts/servers.sh cluster-up is idempotent); a killed node rejoins by itself.</summary>
    public async Task StartMissingAsync(CancellationToken cancellationToken) =>
        await Servers.RunAsync(new ProcessStartInfo("bash") { ArgumentList = { Path.Combine(Repository.Root(), "scripts", "servers.sh"), "cluster-up" } },
            cancellationToken);

    /// <summary>
    /// The node most of this machine's client connections are on (read from /proc/net/tcp: the cluster is on loopback),
    /// killed outright (SIGKILL) by the pid its server wrote; returns its address once it refuses connections.
    /// </summary>
    public async Task<string> KillBusiestAsync(CancellationToken cancellationToken)
    {
        var ports = Nodes.Select(n => int.Parse(n[(n.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture)).ToList();
        var clients = ClientConnections(ports);
        var index = Enumerable.Range(0, Nodes.Count).MaxBy(i => clients.GetValueOrDefault(ports[i]));
        var pid = int.Parse(File.ReadAllText(Path.Combine(directory, $"n{index + 1}", "rabbit.pid")).Trim(), CultureInfo.InvariantCulture);
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill();
            await process.WaitForExitAsync(cancellationToken);
        }
        while (await AcceptsAsync(ports[index], cancellationToken)) await Task.Delay(50, cancellationToken);
        return Nodes[index];
    }

    /// <summary>Established connections whose remote end is one of <paramref name="ports"/>, per port.</summary>
    static Dictionary<int, int> ClientConnections(IReadOnlyList<int> ports)
    {
        var counts = new Dictionary<int, int>();
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists))
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // fields: sl, local address, remote address, state (01 = established), ...
                if (fields.Length < 4 || fields[3] != "01") continue;
                var remote = int.Parse(fields[2][(fields[2].LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if (ports.Contains(remote)) counts[remote] = counts.GetValueOrDefault(remote) + 1;
            }
        return counts;
    }

    static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new TcpClient();
        try
        {
            await socket.ConnectAsync("127.0.0.1", port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
