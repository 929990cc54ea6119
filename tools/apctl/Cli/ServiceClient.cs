using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Apmatrix.Contracts;

namespace Apmatrix.Apctl.Cli;

/// <summary>
/// JSON over HTTP to one service as the caller's API key; every failure becomes an <see cref="ApctlException"/> with the
/// exit code it means (refused, bad input, unavailable) and the service's problem details when it sent them. A 503 that
/// says when to ask again (the service starting or stopping, its database away: nothing was done) is asked again, for up
/// to <see cref="RetryFor"/> in all, each wait told on <paramref name="notes"/>.
/// </summary>
public sealed class ServiceClient(string service, Uri baseAddress, string? apiKey, TextWriter? notes = null) : IDisposable
{
    public static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(30);

    readonly HttpClient _http = new()
    {
        BaseAddress = Directory(baseAddress),
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = apiKey is null ? null : new AuthenticationHeaderValue("ApiKey", apiKey) },
    };

    /// <summary>Calls <paramref name="route"/> filled with <paramref name="values"/> (and <paramref name="query"/>); its JSON answer, null when empty.</summary>
    public async Task<JsonNode?> CallAsync(ApiRoute route, string[] values, CancellationToken cancellationToken, object? body = null, string query = "")
    {
        var text = await TextAsync(route, values, cancellationToken, body, query);
        try
        {
            return Json(text);
        }
        catch (JsonException e)
        {
            // Something else answers at that address: the service apctl wanted is not there.
            throw new ApctlException(ExitCodes.Unavailable, $"{service} at {_http.BaseAddress} answered {route.Method} {route.Template} with something that is not JSON: {e.Message}");
        }
    }

    /// <summary>The answer as the service wrote it: a sysfs-like text attribute (<c>matrix</c>, <c>guest_matrix</c>, ...).</summary>
    public Task<string> TextAsync(ApiRoute route, string[] values, CancellationToken cancellationToken, object? body = null, string query = "")
    {
        if (route.Service is { } owner && !owner.Equals(service, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"{route.Template} is {owner}'s, not {service}'s");
        // Relative to the address, so a service behind a path (http://proxy/vfioap/) keeps it.
        return SendAsync(() => new HttpRequestMessage(new HttpMethod(route.Method), route.Path(values).TrimStart('/') + query)
        {
            Content = body is null ? null : JsonContent.Create(body),
        }, cancellationToken);
    }

    /// <summary>The address as a directory (ending in <c>/</c>), which relative routes extend rather than replace its last segment.</summary>
    static Uri Directory(Uri address) => address.AbsolutePath.EndsWith('/') ? address : new UriBuilder(address) { Path = address.AbsolutePath + "/" }.Uri;

    static JsonNode? Json(string text) => text.Length == 0 ? null : JsonNode.Parse(text);

    async Task<string> SendAsync(Func<HttpRequestMessage> make, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        while (true)
        {
            using var request = make();
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new ApctlException(ExitCodes.Unavailable, $"{service} at {_http.BaseAddress} is unreachable: {e.GetBaseException().Message}");
            }
            using (response)
            {
                // Another service's answer would be misread (an ApBus host has no mdevs, a GuestVm route is "not found"), and so would
                // another server's success; a failure without the header may be a proxy's in front of a service that is away.
                var other = response.Headers.TryGetValues(ServiceHeader.Name, out var names) ? names.FirstOrDefault() : null;
                if (other is null ? response.IsSuccessStatusCode : !other.Equals(service, StringComparison.OrdinalIgnoreCase))
                    throw new ApctlException(ExitCodes.BadInput, $"{service}'s address {_http.BaseAddress} " +
                        (other is null ? $"answers as no apmatrix service (no {ServiceHeader.Name} header)" : $"answers as {other}") +
                        $": check --{service.ToLowerInvariant()}-url or APMATRIX_{service.ToUpperInvariant()}_URL");
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.IsSuccessStatusCode) return text;
                // Starting, stopping, or as busy as it lets itself be: each says when to ask again. A change that lost a
                // race at the database did nothing and is sent again shortly.
                var problem = TryProblem(text);
                var retryAfter = response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests ? response.Headers.RetryAfter?.Delta
                    : IsContention(response.StatusCode, problem) ? ContentionPause : null;
                if (retryAfter is { } delay && waited + delay <= RetryFor)
                {
                    notes?.WriteLine($"apctl: {service} answered {(int)response.StatusCode} ({problem?["title"]?.GetValue<string>() ?? "unavailable"}); asking again in {delay.TotalSeconds:0.#} s");
                    waited += delay;
                    await Task.Delay(delay, cancellationToken);
                    continue;
                }
                throw Failure(request, response.StatusCode, problem);
            }
        }
    }

    ApctlException Failure(HttpRequestMessage request, HttpStatusCode status, JsonObject? problem)
    {
        var exitCode = IsContention(status, problem) ? ExitCodes.Unavailable : (int)status switch
        {
            400 or 401 or 403 or 405 or 413 or 415 => ExitCodes.BadInput,
            404 or 409 or 422 => ExitCodes.Refused,
            _ => ExitCodes.Unavailable,
        };
        var what = status switch
        {
            HttpStatusCode.Unauthorized when apiKey is null => $"{service} wants an API key: none was given (APMATRIX_API_KEY or --api-key-file)",
            HttpStatusCode.Unauthorized => $"{service} does not know the API key (APMATRIX_API_KEY or --api-key-file)",
            HttpStatusCode.Forbidden => $"{service} does not allow this to the API key's role" +
                                        (problem?["detail"]?.GetValue<string>() is { } who ? $" ({who})" : ""),
            // The service did nothing (starting, stopping, its database away), though its detail speaks of its own retries.
            HttpStatusCode.ServiceUnavailable when problem is not null => $"{Describe(problem)} (nothing was done: run it again once {service} is back)",
            _ when problem is not null => Describe(problem),
            _ => $"{service} answered {(int)status} to {request.Method} {request.RequestUri}",
        };
        return new ApctlException(exitCode, what, problem);
    }

    /// <summary>How long apctl waits before it sends again a change that lost a race at the service's database.</summary>
    static readonly TimeSpan ContentionPause = TimeSpan.FromMilliseconds(200);

    static bool IsContention(HttpStatusCode status, JsonObject? problem) =>
        status == HttpStatusCode.Conflict && problem?["kind"]?.GetValue<string>() == "contention";

    /// <summary>The problem in one line: its detail, or for a validation problem every field's fault.</summary>
    static string Describe(JsonObject problem)
    {
        var kind = problem["kind"]?.GetValue<string>();
        var detail = problem["detail"]?.GetValue<string>() ?? problem["title"]?.GetValue<string>() ?? "refused";
        if (problem["errors"] is JsonObject errors)
            detail = string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value?.AsArray().Select(m => m?.GetValue<string>()) ?? [])}"));
        return kind is null ? detail : $"{kind}: {detail}";
    }

    static JsonObject? TryProblem(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();
}
