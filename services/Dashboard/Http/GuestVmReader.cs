namespace Apmatrix.Dashboard.Http;

/// <summary>GuestVm's guests of a host: the updates each applied, how long its vCPUs were suspended, its last few APCBs.</summary>
public sealed class GuestVmReader(HttpClient http, ILogger<GuestVmReader> log) : ServiceReader(http, "GuestVm", log)
{
    public async Task<List<GuestRead>> GuestsAsync(string host, int history, CancellationToken ct) =>
        (await GetAsync<List<GuestRead>>($"{Host(host)}/guests?history={history}", ct))!;
}

/// <summary>What the dashboard reads of a line of GuestVm's <c>GET /hosts/{host}/guests?history=N</c>.</summary>
public sealed record GuestRead(string Guest, int Vcpus, string? Mdev, long Version, long Updates, double SuspendedMilliseconds, DateTime? AppliedAt,
    string Apm, string Aqm, string Adm, IReadOnlyList<AppliedUpdateView> History);
