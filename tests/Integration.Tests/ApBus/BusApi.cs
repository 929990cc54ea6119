using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Apmatrix.Integration.Tests.ApBus;

/// <summary>ApBus's HTTP API for one host of a test, with the answers the tests look at.</summary>
public sealed class BusApi(HttpClient http, string hostId) : IDisposable
{
    public string Host => $"/hosts/{hostId}";

    public Task<HttpResponseMessage> DefineAsync(object definition) => http.PutAsJsonAsync(Host, definition);
    public Task<HttpResponseMessage> ConfigAsync(string apm, string aqm, string adm) => http.PutAsJsonAsync($"{Host}/config", new { apm, aqm, adm });
    public Task<HttpResponseMessage> ConfigChangedAsync(string apm, string aqm, string adm) => http.PostAsJsonAsync($"{Host}/config-changed", new { apm, aqm, adm });
    public Task<HttpResponseMessage> ProbeAsync(string apqn) => http.PostAsync($"{Host}/queues/{apqn}/probe", null);
    public Task<HttpResponseMessage> RemoveAsync(string apqn) => http.DeleteAsync($"{Host}/queues/{apqn}");
    public Task<HttpResponseMessage> ScanCompleteAsync() => http.PostAsync($"{Host}/scan-complete", null);
    public Task<HttpResponseMessage> MasksAsync(string apmask, string aqmask) => http.PutAsJsonAsync($"{Host}/masks", new { apmask, aqmask });
    public async Task<JsonElement> GetAsync() => await http.GetFromJsonAsync<JsonElement>(Host);
    public async Task<JsonElement> SnapshotAsync() => await http.GetFromJsonAsync<JsonElement>($"{Host}/snapshot");

    /// <summary>The change's <c>lastSequence</c>, after checking it succeeded.</summary>
    public static async Task<long> LastSequenceAsync(Task<HttpResponseMessage> change)
    {
        using var response = await change;
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lastSequence").GetInt64();
    }

    /// <summary>The problem's <c>kind</c>, after checking the status.</summary>
    public static async Task<string> ProblemKindAsync(Task<HttpResponseMessage> request, HttpStatusCode status)
    {
        using var response = await request;
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, response.StatusCode);
        Assert.Equal($"urn:apmatrix:error:{problem.GetProperty("kind").GetString()}", problem.GetProperty("type").GetString());
        return problem.GetProperty("kind").GetString()!;
    }

    public void Dispose() => http.Dispose();
}
