using System.Text.Json.Serialization;

namespace Apmatrix.Contracts;

/// <summary>
/// Every AP bus event names its host and carries that host's next sequence number (1, 2, 3, ...
/// across all event kinds), so a consumer can apply each host's events in order, exactly once.
/// </summary>
public interface IBusEvent
{
    string HostId { get; }
    long Sequence { get; }
}

[JsonConverter(typeof(JsonStringEnumConverter<BoundDriver>))]
public enum BoundDriver { VfioAp, Default }

[JsonConverter(typeof(JsonStringEnumConverter<RemovalReason>))]
public enum RemovalReason { ConfigRemoved, CardRebuilt, TapqFailed, Unbind, MaskChange }

/// <summary>The host's AP configuration changed (spec 2.5); precedes every queue event of its scan.</summary>
public sealed record ConfigChanged(string HostId, long Sequence, Guid ScanId, ApConfigInfo Current, ApConfigInfo Previous) : IBusEvent;

/// <summary>A queue device was created and bound to a driver; <see cref="ScanId"/> is null outside a config-change scan.</summary>
public sealed record QueueProbed(string HostId, long Sequence, Guid? ScanId, string Apqn, BoundDriver Driver) : IBusEvent;

/// <summary>A queue device left its driver.</summary>
public sealed record QueueRemoved(string HostId, long Sequence, Guid? ScanId, string Apqn, BoundDriver Driver, RemovalReason Reason) : IBusEvent;

/// <summary>The last queue event of a config-change scan has been published.</summary>
public sealed record ScanComplete(string HostId, long Sequence, Guid ScanId, ApConfigInfo Current, ApConfigInfo Previous) : IBusEvent;

/// <summary>apmask/aqmask changed; the queue moves it causes follow as removals and probes.</summary>
public sealed record BusMasksChanged(string HostId, long Sequence, string Apmask, string Aqmask) : IBusEvent;
