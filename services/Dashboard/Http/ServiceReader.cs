using System.Net;
using System.Text.Json;
using Apmatrix.Hosting;

namespace Apmatrix.Dashboard.Http;

/// <summary>
/// GETs from one service with the dashboard's key: a 404 is the caller's not-found, anything else amiss is unavailable,
/// and logged (once a minute per service: the page polls every second).
/// </summary>
public abstract class ServiceReader(HttpClient http, string service, ILogger log)
{
    static readonly LogThrottle Outages = new(TimeSpan.FromMinutes(1));

    /// <summary>The answer to <paramref name="path"/>, or null for a 404 when <paramref name="missingIsNull"/>.</summary>
    protected async Task<T?> GetAsync<T>(string path, CancellationToken ct, bool missingIsNull = false) where T : class
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(path, ct);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
        {
            throw Unavailable($"{service} could not be read: {e.Message}", e);
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
                return missingIsNull ? null : throw new ServiceNotFoundException(await DetailAsync(response, ct) ?? $"{service} has no {path}");
            if (!response.IsSuccessStatusCode)
                throw Unavailable($"{service} answered {(int)response.StatusCode} to the dashboard" +
                    (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? $": check Services:{service}Key" : ""));
            try
            {
                return await response.Content.ReadFromJsonAsync<T>(ct) ?? throw Unavailable($"{service} answered null");
            }
            // InvalidOperationException: a charset the runtime cannot decode.
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw Unavailable($"{service}'s answer does not read: {e.Message}", e);
            }
        }
    }

    /// <summary>The service's problem detail, already quoted short by it; null if the body is no problem.</summary>
    static async Task<string?> DetailAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            return problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String
                ? detail.GetString()
                : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    ServiceUnavailableException Unavailable(string detail, Exception? cause = null)
    {
        if (Outages.ShouldLog(service, DateTime.UtcNow, out var held))
            log.LogWarning("{Detail} ({Held} more since the last line)", detail, held);
        return new ServiceUnavailableException(detail, cause);
    }

    protected static string Page(string? after, int limit) => $"hosts?limit={limit}{(after is null ? "" : $"&after={Uri.EscapeDataString(after)}")}";

    protected static string Host(string host) => $"hosts/{Uri.EscapeDataString(host)}";
}
