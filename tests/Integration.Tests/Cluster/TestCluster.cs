using Apmatrix.LoadTest;

namespace Apmatrix.Integration.Tests.Cluster;

/// <summary>
/// The three-node RabbitMQ cluster of <c>scripts/servers.sh cluster-up</c>, started afresh for a test and read from the
/// <c>.servers.env</c> that script writes, and stopped again when the test disposes of it: three idle brokers left up
/// after the suite would hold the machine's memory and the CPU of the next measurement.
/// </summary>
public sealed record TestCluster(ClusterNodes Nodes, Uri Broker) : IAsyncDisposable
{
    /// <summary>
    /// A fresh cluster: nodes an earlier run left up (after killing one of them) are stopped first, and cluster-up starts
    /// stopped nodes from empty data, so no earlier fault or queue carries into this run.
    /// </summary>
    public static async Task<TestCluster> StartAsync(CancellationToken cancellationToken)
    {
        var repository = Repository();
        await ServerFixture.RunServersScriptAsync(repository, "cluster-down", cancellationToken);
        await ServerFixture.RunServersScriptAsync(repository, "cluster-up", cancellationToken);
        var settings = await ReadSettingsAsync(repository);
        return new TestCluster(new ClusterNodes(settings["APMATRIX_RABBITMQ_CLUSTER_DIR"], settings["APMATRIX_RABBITMQ_NODES"].Split(',')),
            new Uri(settings["APMATRIX_TEST_RABBITMQ_CLUSTER"]));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await ServerFixture.RunServersScriptAsync(Repository(), "cluster-down", timeout.Token);
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
}
