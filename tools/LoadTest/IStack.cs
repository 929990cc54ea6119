namespace Apmatrix.LoadTest;

/// <summary>
/// The services under load: any number of ApBus, VfioAp and GuestVm instances; the instances of a service share one
/// database (ApBus's one outbox), VfioAp's and GuestVm's compete for the same queues.
/// </summary>
public interface IStack
{
    IReadOnlyList<ServiceInstance> ApBus { get; }
    IReadOnlyList<ServiceInstance> VfioAp { get; }
    IReadOnlyList<ServiceInstance> GuestVm { get; }

    /// <summary>The queue prefix the services were given (the run's own queues use it too).</summary>
    string QueuePrefix { get; }

    /// <summary>The operator's API key the services admit, made for this stack (<see cref="StackKeys"/>).</summary>
    string ApiKey { get; }

    /// <summary>Throws when an instance has stopped: a load run against a dead service only times out.</summary>
    void EnsureRunning();

    IEnumerable<ServiceInstance> All => [.. ApBus, .. VfioAp, .. GuestVm];
}
