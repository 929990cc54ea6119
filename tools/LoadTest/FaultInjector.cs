
namespace Apmatrix.LoadTest;

/// <summary>
/// Injects a run's <see cref="LoadFault"/> into a scan: waits <see cref="LoadOptions.FaultAfter"/>, breaks the part,
/// and returns once it is whole again; the stack has to find its own way back.
/// </summary>
public sealed class FaultInjector(LoadOptions options, IStack stack, Servers servers)
{
    ClusterNodes? _killed;

    /// <summary>
    /// The fault in scan <paramref name="scan"/>; <paramref name="answered"/>
    /// ends when ApBus has answered every config change (ApBus is killed only after that: a cut-off request is the caller's
    /// failure, not the stack's).
    /// </summary>
    public async Task<FaultWindow> InjectAsync(LoadFault fault, int scan, Task answered, Func<double> now, CancellationToken cancellationToken)
    {
        await Task.Delay(options.FaultAfter, cancellationToken);
        if (fault == LoadFault.KillApBus) await answered;
        var start = now();
        var what = fault switch
        {
            LoadFault.BrokerRestart => await StoppedForAsync("RabbitMQ", () => servers.RabbitmqctlAsync(["stop_app"], cancellationToken),
                () => servers.RabbitmqctlAsync(["start_app"], cancellationToken), cancellationToken),
            LoadFault.PostgresRestart => await RestartPostgresAsync(cancellationToken),
            LoadFault.PostgresOutage => await StoppedForAsync("PostgreSQL", () => servers.PostgresAsync("stop", cancellationToken),
                () => servers.PostgresAsync("start", cancellationToken), cancellationToken),
            LoadFault.KillApBus => await KillAsync(stack.ApBus[^1], cancellationToken),
            LoadFault.KillVfioAp => await KillAsync(stack.VfioAp[^1], cancellationToken),
            LoadFault.KillGuestVm => await KillAsync(stack.GuestVm[^1], cancellationToken),
            LoadFault.ClusterNodeKill => await KillNodeAsync(cancellationToken),
            LoadFault.ClusterLeaderRestart => await RestartLeaderAsync(cancellationToken),
            LoadFault.PurgeEvents => await PurgeAsync([.. EventQueues.All.Select(queue => stack.QueuePrefix + queue)], cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };
        return new FaultWindow(scan + 1, start, now(), $"{what} {options.FaultAfter.TotalMilliseconds:F0} ms into scan {scan + 1}");
    }

    /// <summary>Between scans: a node killed for good in the last one is started again, so the next scan can lose one too.</summary>
    public async Task BeforeNextScanAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _killed, null) is { } cluster) await cluster.StartMissingAsync(cancellationToken);
    }

    async Task<string> StoppedForAsync(string server, Func<Task> stop, Func<Task> start, CancellationToken cancellationToken)
    {
        await stop();
        // Down for the whole span: the services' retries, reconnects and health must carry them through it.
        await Task.Delay(options.FaultFor, cancellationToken);
        await start();
        return $"{server} down for {options.FaultFor.TotalSeconds:F0} s";
    }

    async Task<string> RestartPostgresAsync(CancellationToken cancellationToken)
    {
        await servers.PostgresAsync("restart", cancellationToken);
        return "PostgreSQL restarted";
    }

    async Task<string> KillAsync(ServiceInstance instance, CancellationToken cancellationToken)
    {
        var children = stack as ChildStack ?? throw new InvalidOperationException("only a stack of child processes can be killed");
        await children.KillAndRestartAsync(instance, cancellationToken);
        return $"{instance.Name} killed (SIGKILL) and started again";
    }

    async Task<string> KillNodeAsync(CancellationToken cancellationToken)
    {
        var cluster = Cluster();
        var node = await cluster.KillBusiestAsync(cancellationToken);
        _killed = cluster;
        return $"cluster node {node} killed (SIGKILL)";
    }

    async Task<string> RestartLeaderAsync(CancellationToken cancellationToken)
    {
        var cluster = Cluster();
        var node = await cluster.LeaderOfMostAsync(servers.VirtualHost, cancellationToken);
        return await StoppedForAsync($"cluster node {cluster.Nodes[node]} (leading most quorum queues)",
            () => cluster.RabbitmqctlAsync(node, ["stop_app"], cancellationToken),
            () => cluster.RabbitmqctlAsync(node, ["start_app"], cancellationToken), cancellationToken);
    }

    async Task<string> PurgeAsync(string[] queues, CancellationToken cancellationToken)
    {
        foreach (var queue in queues) await servers.RabbitmqctlAsync(["purge_queue", "-p", servers.VirtualHost, queue], cancellationToken);
        return $"queues {string.Join(" and ", queues)} purged";
    }

    ClusterNodes Cluster() => servers.Cluster ?? throw new InvalidOperationException("a cluster fault needs --nodes");
}
