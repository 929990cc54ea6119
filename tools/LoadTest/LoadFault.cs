namespace Apmatrix.LoadTest;

/// <summary>A fault a load run injects into every timed scan; the stack must recover from it by itself and end exact.</summary>
public enum LoadFault
{
    /// <summary>The single RabbitMQ node's application stopped (connections cut) and started again after <see cref="LoadOptions.FaultFor"/>.</summary>
    BrokerRestart,
    /// <summary>PostgreSQL restarted (fast shutdown: sessions cut, transactions rolled back).</summary>
    PostgresRestart,
    /// <summary>PostgreSQL stopped for <see cref="LoadOptions.FaultFor"/>, then started.</summary>
    PostgresOutage,
    /// <summary>The ApBus instance killed outright (SIGKILL) and started again.</summary>
    KillApBus,
    /// <summary>The last VfioAp instance killed outright (SIGKILL) and started again.</summary>
    KillVfioAp,
    /// <summary>The last GuestVm instance killed outright (SIGKILL) and started again.</summary>
    KillGuestVm,
    /// <summary>The cluster node most client connections are on, killed outright; started again once the scan has ended.</summary>
    ClusterNodeKill,
    /// <summary>The cluster node leading most quorum queues stopped and started again after <see cref="LoadOptions.FaultFor"/>.</summary>
    ClusterLeaderRestart,
    /// <summary>VfioAp's queues of probed and removed queues purged: events lost for good, which only reconciliation can heal.</summary>
    PurgeEvents,
}
