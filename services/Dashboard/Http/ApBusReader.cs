namespace Apmatrix.Dashboard.Http;

/// <summary>ApBus's hosts: what each bus has published (its last sequence).</summary>
public sealed class ApBusReader(HttpClient http, ILogger<ApBusReader> log) : ServiceReader(http, "ApBus", log)
{
    public async Task<List<BusHostRead>> HostsAsync(string? after, int limit, CancellationToken ct) =>
        (await GetAsync<List<BusHostRead>>(Page(after, limit), ct))!;

    public Task<BusHostRead?> HostAsync(string host, CancellationToken ct) => GetAsync<BusHostRead>(Host(host), ct, missingIsNull: true);
}

/// <summary>What the dashboard reads of ApBus's <c>GET /hosts</c> and <c>GET /hosts/{host}</c>.</summary>
public sealed record BusHostRead(string Host, long LastSequence, string EventForm, int QueueDevices);
