using System.Diagnostics;
using System.Net.Sockets;
using Apmatrix.LoadTest;

namespace Apmatrix.Integration.Tests.Cluster;

/// <summary>
/// The three-node RabbitMQ cluster of <c>scripts/servers.sh cluster-up</c>, started (or a lost node restarted) through
/// that script when a node does not answer, and read from the <c>.servers.env</c> it writes.
/// </summary>
public sealed record TestCluster(ClusterNodes Nodes, Uri Broker)
{
    public static async Task<TestCluster> StartAsync(CancellationToken cancellationToken)
    {
        var repository = Repository();
        var settings = await ReadSettingsAsync(repository);
        if (!settings.TryGetValue("APMATRIX_RABBITMQ_NODES", out var nodes) || !settings.ContainsKey("APMATRIX_RABBITMQ_CLUSTER_DIR")
            || !await AllAnswerAsync(nodes, cancellationToken))
        {
            await ClusterUpAsync(repository, cancellationToken);
            settings = await ReadSettingsAsync(repository);
            nodes = settings["APMATRIX_RABBITMQ_NODES"];
        }
        return new TestCluster(new ClusterNodes(settings["APMATRIX_RABBITMQ_CLUSTER_DIR"], nodes.Split(',')),
            new Uri(settings["APMATRIX_TEST_RABBITMQ_CLUSTER"]));
    }

    static string Repository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "scripts", "servers.sh"))) return directory.FullName;
        throw new InvalidOperationException($"no scripts/servers.sh above {AppContext.BaseDirectory}");
    }

    /// <summary>The <c>export NAME='value'</c> lines of .servers.env.</summary>
    static async Task<Dictionary<string, string>> ReadSettingsAsync(string repository)
    {
        var file = Path.Combine(repository, ".servers.env");
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(file)) return settings;
        foreach (var line in await File.ReadAllLinesAsync(file))
            if (line.StartsWith("export ", StringComparison.Ordinal) && line.IndexOf('=') is > 0 and var equals)
                settings[line[7..equals]] = line[(equals + 1)..].Trim('\'');
        return settings;
    }

    static async Task<bool> AllAnswerAsync(string nodes, CancellationToken cancellationToken)
    {
        foreach (var node in nodes.Split(','))
        {
            using var socket = new TcpClient();
            try
            {
                await socket.ConnectAsync("127.0.0.1", int.Parse(node[(node.LastIndexOf(':') + 1)..]), cancellationToken);
            }
            catch (SocketException)
            {
                return false;
            }
        }
        return true;
    }

    static async Task ClusterUpAsync(string repository, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = repository };
        start.ArgumentList.Add(Path.Combine(repository, "scripts", "servers.sh"));
        start.ArgumentList.Add("cluster-up");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/servers.sh cluster-up failed ({process.ExitCode}): {await output}{await errors}");
    }
}
