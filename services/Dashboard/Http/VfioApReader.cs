namespace Apmatrix.Dashboard.Http;

/// <summary>VfioAp's hosts, each host's APQN states and its guests' updates as sent and acknowledged.</summary>
public sealed class VfioApReader(HttpClient http, ILogger<VfioApReader> log) : ServiceReader(http, "VfioAp", log)
{
    public async Task<List<VfioHostRead>> HostsAsync(string? after, int limit, CancellationToken ct) =>
        (await GetAsync<List<VfioHostRead>>(Page(after, limit), ct))!;

    public Task<VfioHostDetailRead?> HostAsync(string host, CancellationToken ct) => GetAsync<VfioHostDetailRead>(Host(host), ct, missingIsNull: true);

    public async Task<ApqnStatesRead> ApqnsAsync(string host, CancellationToken ct) => (await GetAsync<ApqnStatesRead>($"{Host(host)}/apqns", ct))!;

    public async Task<List<VfioGuestRead>> GuestsAsync(string host, CancellationToken ct) =>
        (await GetAsync<List<VfioGuestRead>>($"{Host(host)}/guests", ct))!;
}

/// <summary>A line of VfioAp's <c>GET /hosts</c>.</summary>
public sealed record VfioHostRead(string Host, string Mode, long LastSequence, int Mdevs, int PendingEvents, int UnacknowledgedUpdates);

/// <summary>What the dashboard reads of VfioAp's <c>GET /hosts/{host}</c>.</summary>
public sealed record VfioHostDetailRead(string Host, string Mode, long LastSequence, int PendingEvents, int? UnacknowledgedUpdates,
    IReadOnlyList<string> Mdevs);

/// <summary>VfioAp's <c>GET /hosts/{host}/apqns</c>.</summary>
public sealed record ApqnStatesRead(string Host, long LastSequence, IReadOnlyList<string> States, string Cells, IReadOnlyList<MdevMasksView> Mdevs);

/// <summary>A line of VfioAp's <c>GET /hosts/{host}/guests</c>: the latest version sent and the highest acknowledged.</summary>
public sealed record VfioGuestRead(string Guest, string? Mdev, long Version, long AcknowledgedVersion);
