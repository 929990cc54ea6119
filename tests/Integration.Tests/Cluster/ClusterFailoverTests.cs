using System.Diagnostics;
using Apmatrix.Engine;
using Apmatrix.Integration.Tests.LoadTest;
using Apmatrix.LoadTest;
using Xunit.Abstractions;

namespace Apmatrix.Integration.Tests.Cluster;

/// <summary>
/// The stack on a three-node RabbitMQ cluster with quorum queues: the node the services are connected to is killed
/// mid-scan (and left down); they move to another node, and the state still ends exact with every event seen.
/// In the "stack" collection so it does not compete for the CPU with the other stack tests.
/// </summary>
[Collection("stack")]
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    static readonly LoadOptions Options = new()
    {
        Name = "it-cluster", Hosts = 2, Adapters = 16, Domains = 16, Guests = 4, Vcpus = 2, Scans = 2,
        Modes = [HotPlugMode.Batched], Subscribers = 1, Fault = LoadFault.ClusterNodeKill, FaultAfter = TimeSpan.FromMilliseconds(200),
        FaultScans = 1, Timeout = TimeSpan.FromMinutes(5),
    };

    [Fact]
    public async Task Should_fail_over_to_another_node_mid_scan_and_end_exact()
    {
        // Beyond the run's own deadline, so a slow failover ends in the run's account of where it stood.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        using var log = new TestOutputLog(output);
        await using var cluster = await TestCluster.StartAsync(timeout.Token);
        await using var postgres = new ServerFixture();
        // Every step is bounded by the test's limit: a wait that never ends fails the test instead of holding up the suite.
        await postgres.StartAsync().WaitAsync(timeout.Token);
        var servers = new Servers(cluster.Broker, postgres.PostgresAdmin, Servers.Services.ToDictionary(s => s, postgres.Broker),
            Servers.Services.ToDictionary(s => s, postgres.DatabaseRole));
        servers.UseCluster(cluster.Nodes);
        Assert.True(await servers.UseFreshVirtualHostAsync("apmatrix-test-cluster", timeout.Token), "the cluster's rabbitmqctl did not answer");
        await using var stack = await InProcessStack.StartAsync(servers, 1, 1, "cluster", new() { ["Updates:ResendAfter"] = "00:00:05" }, log)
            .WaitAsync(timeout.Token);
        var clock = Stopwatch.StartNew();
        await using var observers = await Observers.StartAsync(servers.Broker, stack.QueuePrefix, Options.Subscribers, clock, timeout.Token, servers.Topology);
        using var run = new LoadRun(Options, stack, observers, clock, log, servers: servers);

        await run.SetUpAsync(timeout.Token);
        var result = await run.RunAsync(Options.Forms[0], HotPlugMode.Batched, timeout.Token);

        // The first scan loses the node, the second runs on the two that are left.
        output.WriteLine(Assert.Single(run.Faults));
        Assert.True(result.Exact, string.Join("\n", result.Failures));
        // After a node's loss the broker hands back and the outbox re-sends events in an order of their own, so the
        // subscriber orders them by Sequence, as VfioAp does: none may be missing.
        Assert.Equal(Options.Hosts * Options.Subscribers, result.Subscribers.Count);
        Assert.All(result.Subscribers, s => Assert.True(s.Complete, $"{s.Host}: {s.Missing} of 1..{s.LastSequence} missing"));
        foreach (var s in result.Subscribers)
            output.WriteLine($"{s.Host}: {s.OutOfOrder} of {s.Delivered} first deliveries out of order, {s.Redelivered} redelivered, {s.Duplicates} twice");
        var deadLetters = await servers.ErrorQueuesAsync(timeout.Token);
        Assert.True(deadLetters is not null, "the cluster's rabbitmqctl did not list the queues");
        Assert.Empty(deadLetters);
    }
}
