namespace Apmatrix.LoadTest;

/// <summary>The command-line names of <see cref="LoadFault"/>.</summary>
public static class LoadFaults
{
    public static string Name(LoadFault fault) => fault switch
    {
        LoadFault.BrokerRestart => "broker-restart",
        LoadFault.PostgresRestart => "postgres-restart",
        LoadFault.PostgresOutage => "postgres-outage",
        LoadFault.KillApBus => "kill:apbus",
        LoadFault.KillVfioAp => "kill:vfioap",
        LoadFault.KillGuestVm => "kill:guestvm",
        LoadFault.ClusterNodeKill => "cluster-node-kill",
        LoadFault.ClusterLeaderRestart => "cluster-leader-restart",
        LoadFault.PurgeEvents => "purge-events",
        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
    };

    public static bool OnCluster(LoadFault fault) => fault is LoadFault.ClusterNodeKill or LoadFault.ClusterLeaderRestart;

    public static LoadFault Parse(string value) =>
        Enum.GetValues<LoadFault>().Where(f => Name(f) == value).Select(f => (LoadFault?)f).FirstOrDefault()
        ?? throw new ArgumentException($"--fault is {string.Join(", ", Enum.GetValues<LoadFault>().Select(Name))}");
}
