namespace Apmatrix.ApBus.Http;

/// <summary><c>PUT /hosts/{host}</c>: id sets as range lists or sysfs hex; maxima default to 255, masks to nothing reserved.</summary>
public sealed record HostDefinition(string? Apm, string? Aqm, string? Adm, int? MaxAdapter, int? MaxDomain, string? Apmask, string? Aqmask);

/// <summary><c>PUT /hosts/{host}/config</c> and <c>POST /hosts/{host}/config-changed</c>.</summary>
public sealed record ConfigRequest(string? Apm, string? Aqm, string? Adm);

/// <summary><c>PUT /hosts/{host}/masks</c>: both bus masks at once.</summary>
public sealed record MasksRequest(string? Apmask, string? Aqmask);

/// <summary>Every change's answer: the sequence number of the host's last event so far.</summary>
public sealed record HostChanged(string Host, long LastSequence);

public sealed record ConfigView(string Apm, string Aqm, string Adm, string ApmHex, string AqmHex, string AdmHex, int MaxAdapter, int MaxDomain);

public sealed record PermissionsView(string Apmask, string Aqmask, string ApmaskHex, string AqmaskHex);

/// <summary><c>GET /hosts/{host}</c>; <see cref="OpenScanId"/> is the scan of a config-changed window not yet completed.</summary>
public sealed record HostView(string Host, ConfigView Config, ConfigView PreviousConfig, PermissionsView Masks, int QueueDevices,
    Guid? OpenScanId, long LastSequence);
