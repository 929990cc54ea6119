namespace Apmatrix.LoadTest;

/// <summary>One running service instance; <see cref="ProcessId"/> is null when it runs inside the caller's process.</summary>
public sealed record ServiceInstance(string Service, string Name, Uri Url, int? ProcessId);

/// <summary>Peak resident memory (VmHWM) of one instance, in MiB, over the set-up and over the timed phase.</summary>
public sealed record InstanceMemory(string Service, string Name, double SetUpPeakMiB, double ScanPeakMiB);

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

    /// <summary>Throws when an instance has stopped: a load run against a dead service only times out.</summary>
    void EnsureRunning();

    IEnumerable<ServiceInstance> All => [ApBus, .. VfioAp, .. GuestVm];
}
