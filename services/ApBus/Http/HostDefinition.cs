namespace Apmatrix.ApBus.Http;

/// <summary>
/// <c>PUT /hosts/{host}</c>: id sets as range lists or sysfs hex; maxima default to 255, masks to nothing reserved, the event
/// form to <c>grouped</c> (or <c>per-queue</c>: one message per queue event).
/// </summary>
public sealed record HostDefinition(string? Apm, string? Aqm, string? Adm, int? MaxAdapter = null, int? MaxDomain = null,
    string? Apmask = null, string? Aqmask = null, string? EventForm = null);
