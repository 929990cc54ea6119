using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Apmatrix.Integration.Tests.VfioAp;

/// <summary>VfioAp's HTTP API for one host of a test.</summary>
public sealed class VfioApi(HttpClient http, string hostId) : IDisposable
{
    public static string NewHost() => $"it-vfio-{Guid.NewGuid():N}";

    public string Host => $"/hosts/{hostId}";

    public Task<HttpResponseMessage> DefineAsync(string mode) => http.PutAsJsonAsync(Host, new { mode });
    public Task<HttpResponseMessage> CreateMdevAsync(string name) => http.PostAsJsonAsync($"{Host}/mdevs", new { name });
    public Task<HttpResponseMessage> RemoveMdevAsync(string name) => http.DeleteAsync($"{Host}/mdevs/{name}");
    public Task<HttpResponseMessage> AdminAsync(string mdev, string op, object? id) => http.PostAsJsonAsync($"{Host}/mdevs/{mdev}/{op}", new { id });
    public Task<HttpResponseMessage> AttachAsync(string mdev, string guest) => http.PostAsJsonAsync($"{Host}/mdevs/{mdev}/attach", new { guest });
    public Task<HttpResponseMessage> SetMatrixAsync(string mdev, string apm, string aqm, string adm) =>
        http.PutAsJsonAsync($"{Host}/mdevs/{mdev}/ap_config", new { apm, aqm, adm });
    public Task<HttpResponseMessage> MaskCheckAsync(string apmask, string aqmask, long lastSequence = 0, Guid? reservation = null) =>
        http.PostAsJsonAsync($"{Host}/mask-check", new { apmask, aqmask, lastSequence, reservation = reservation ?? Guid.NewGuid() });
    public Task<HttpResponseMessage> ReleaseMasksAsync(Guid reservation) => http.DeleteAsync($"{Host}/mask-check/{reservation}");
    public Task<string> SysfsAsync(string mdev, string attribute) => http.GetStringAsync($"{Host}/mdevs/{mdev}/{attribute}");
    public async Task<JsonElement> GetAsync() => await http.GetFromJsonAsync<JsonElement>(Host);
    public async Task<JsonElement> GuestsAsync() => await http.GetFromJsonAsync<JsonElement>($"{Host}/guests");

    /// <summary>Sets up an mdev and checks every step succeeded.</summary>
    public async Task MdevAsync(string name, int[] adapters, int[] domains, string? guest = null)
    {
        await SucceedsAsync(CreateMdevAsync(name));
        foreach (var id in adapters) await SucceedsAsync(AdminAsync(name, "assign-adapter", id));
        foreach (var id in domains) await SucceedsAsync(AdminAsync(name, "assign-domain", id));
        if (guest is not null) await SucceedsAsync(AttachAsync(name, guest));
    }

    /// <summary>Waits until the host's state satisfies <paramref name="done"/>; the host row appears with its first event.</summary>
    public Task<JsonElement> UntilAsync(Func<JsonElement, bool> done, string what, TimeSpan? timeout = null) =>
        Eventually.ReadAsync(ShownAsync, shown => shown.ValueKind == JsonValueKind.Object && done(shown), $"host {hostId}: {what}", timeout,
            describe: shown => shown.ValueKind == JsonValueKind.Undefined ? "no such host yet" : shown.ToString());

    /// <summary>The host's state, or an undefined element while VfioAp has no such host.</summary>
    async Task<JsonElement> ShownAsync()
    {
        using var response = await http.GetAsync(Host);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default;
    }

    public Task<JsonElement> UntilAppliedAsync(long sequence, TimeSpan? timeout = null) =>
        UntilAsync(h => h.GetProperty("lastSequence").GetInt64() >= sequence, $"events up to {sequence} applied", timeout);

    public static async Task SucceedsAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The problem's <c>kind</c>, after checking the status and the problem type.</summary>
    public static async Task<string> ProblemKindAsync(Task<HttpResponseMessage> request, HttpStatusCode status)
    {
        using var response = await request;
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, response.StatusCode);
        var kind = problem.GetProperty("kind").GetString()!;
        Assert.Equal($"urn:apmatrix:error:{kind}", problem.GetProperty("type").GetString());
        return kind;
    }

    /// <summary>The fields a 400 validation problem names.</summary>
    public static async Task<string[]> InvalidFieldsAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToArray();
    }

    public void Dispose() => http.Dispose();
}
