namespace Apmatrix.LoadTest;

/// <summary>
/// The services under load: one ApBus, and any number of VfioAp and GuestVm instances that compete for
/// the same queues and share one database per service.
/// </summary>
public interface IStack
{
    ServiceInstance ApBus { get; }
    IReadOnlyList<ServiceInstance> VfioAp { get; }
    IReadOnlyList<ServiceInstance> GuestVm { get; }

    /// <summary>The queue prefix the services were given (the run's own queues use it too).</summary>
    string QueuePrefix { get; }

    /// <summary>The operator's API key the services admit, made for this stack (<see cref="StackKeys"/>).</summary>
    string ApiKey { get; }

    /// <summary>Throws when an instance has stopped: a load run against a dead service only times out.</summary>
    void EnsureRunning();

    IEnumerable<ServiceInstance> All => [ApBus, .. VfioAp, .. GuestVm];
}
