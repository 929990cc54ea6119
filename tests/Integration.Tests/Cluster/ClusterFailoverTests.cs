using System.Diagnostics;
using Apmatrix.Engine;
using Apmatrix.LoadTest;
using Xunit.Abstractions;

namespace Apmatrix.Integration.Tests.Cluster;

/// <summary>
/// The stack on a three-node RabbitMQ cluster with quorum queues: the node the services are connected to is killed
/// mid-scan, in each of two scans (started again in between); they move to another node, and the state still ends exact with every event seen.
/// In the "stack" collection so it does not compete for the CPU with the other stack tests.
/// </summary>
[Collection("stack")]
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    static readonly LoadOptions Options = new()
    {
        Name = "it-cluster", Hosts = 2, Adapters = 16, Domains = 16, Guests = 4, Vcpus = 2, Scans = 2,
        Modes = [HotPlugMode.Batched], Subscribers = 1, Fault = LoadFault.ClusterNodeKill, FaultAfter = TimeSpan.FromMilliseconds(200),
    };

    [Fact]
    public async Task Should_fail_over_to_another_node_mid_scan_and_end_exact()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var cluster = await TestCluster.StartAsync(timeout.Token);
        await using var postgres = new ServerFixture();
        await postgres.StartAsync();
        var servers = new Servers(cluster.Broker, postgres.PostgresAdmin, Servers.Services.ToDictionary(s => s, postgres.Broker));
        servers.UseCluster(cluster.Nodes);
        Assert.True(await servers.UseFreshVirtualHostAsync("apmatrix-test-cluster", timeout.Token), "the cluster's rabbitmqctl did not answer");
        await using var stack = await ClusterStack.StartAsync(servers);
        var clock = Stopwatch.StartNew();
        await using var observers = await Observers.StartAsync(servers.Broker, stack.QueuePrefix, Options.Subscribers, clock, timeout.Token, servers.Topology);
        using var run = new LoadRun(Options, stack, observers, clock, TextWriter.Null, servers: servers);

        await run.SetUpAsync(timeout.Token);
        var result = await run.RunAsync(HotPlugMode.Batched, timeout.Token);

        // One node killed in each scan; the first is started again (and rejoins) before the second scan.
        Assert.Equal(2, run.Faults.Count);
        foreach (var fault in run.Faults) output.WriteLine(fault);
        Assert.True(result.Exact, string.Join("\n", result.Failures));
        // After a node's loss the broker hands back and the outbox re-sends events in an order of their own, so the
        // subscriber orders them by Sequence, as VfioAp does: none may be missing.
        Assert.All(result.Subscribers, s => Assert.True(s.Complete, $"{s.Host}: {s.Missing} of 1..{s.LastSequence} missing"));
        foreach (var s in result.Subscribers)
            output.WriteLine($"{s.Host}: {s.OutOfOrder} of {s.Delivered} first deliveries out of order, {s.Redelivered} redelivered, {s.Duplicates} twice");
        Assert.All(await servers.ErrorQueuesAsync(timeout.Token) ?? [], q => Assert.Equal(0, q.Value));
    }
}
