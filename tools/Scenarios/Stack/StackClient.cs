using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.Engine;

namespace Apmatrix.Scenarios.Stack;

/// <summary>
/// JSON over HTTP to one service, with <paramref name="apiKey"/> if given; a problem-details answer with a <c>kind</c>
/// becomes a <see cref="MatrixException"/>. A 429 (the service works on as many requests as it takes: nothing was done)
/// is asked again after its <c>Retry-After</c>, for up to a minute in all, so that hundreds of hosts set up at once wait
/// their turn instead of failing.
/// </summary>
public sealed class StackClient(Uri baseAddress, string? apiKey) : IDisposable
{
    readonly HttpClient _http = new()
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(60),
        DefaultRequestHeaders = { Authorization = apiKey is null ? null : new AuthenticationHeaderValue("ApiKey", apiKey) },
    };

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    /// <summary>The sum of one metric's series in the service's <c>/metrics</c> (<see cref="MetricText"/>).</summary>
    public Task<double> MetricAsync(string name, CancellationToken cancellationToken) => MetricText.SumAsync(_http, name, cancellationToken);

    static readonly TimeSpan BusyFor = TimeSpan.FromMinutes(1);
    // A Retry-After of 0 would otherwise ask again at once, for as long as the answer stays the same.
    static readonly TimeSpan LeastWait = TimeSpan.FromMilliseconds(100);
    long _busyAnswers;

    /// <summary>The 429s waited out so far: a run that times requests says so, as their waits are in its times.</summary>
    public long BusyAnswers => Interlocked.Read(ref _busyAnswers);

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        while (true)
        {
            using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
            using var response = await _http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
                return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
            if (response.StatusCode == HttpStatusCode.TooManyRequests && response.Headers.RetryAfter?.Delta is { } given
                && (given > LeastWait ? given : LeastWait) is var delay && waited + delay <= BusyFor)
            {
                Interlocked.Increment(ref _busyAnswers);
                waited += delay;
                await Task.Delay(delay, cancellationToken);
                continue;
            }
            throw Problem(request, response.StatusCode, text);
        }
    }

    static Exception Problem(HttpRequestMessage request, HttpStatusCode status, string text)
    {
        try
        {
            var problem = JsonDocument.Parse(text).RootElement;
            if (problem.TryGetProperty("kind", out var kind) && MatrixException.TryParseKind(kind.GetString() ?? "", out var parsed))
                return new MatrixException(parsed, problem.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : text);
        }
        catch (JsonException)
        {
        }
        return new HttpRequestException($"{request.Method} {request.RequestUri} answered {(int)status}: {text}", null, status);
    }

    public void Dispose() => _http.Dispose();
}
