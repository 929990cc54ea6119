using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>The request limits and the shield from a client's abort, on a small app in memory (TestServer).</summary>
public sealed class RequestLimitsTests : IAsyncLifetime
{
    const string Key = "operator-key";
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource<CancellationToken> _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource<bool> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly TaskCompletionSource<CancellationToken> _clientSide = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly SemaphoreSlim _entries = new(0);
    WebApplication _app = null!;
    HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:Clients:ops:KeySha256"] = ApiKeys.Sha256Hex(Key),
            ["Auth:Clients:ops:Role"] = ApiRoles.Operator,
            ["Requests:PerHost"] = "2",
            ["Requests:InAll"] = "3",
            ["Requests:Queue"] = "1",
        });
        builder.AddServiceDefaults();
        _app = builder.Build();
        // The token the client's abort cancels, as the server first sees it.
        _app.Use((http, next) =>
        {
            _clientSide.TrySetResult(http.RequestAborted);
            return next(http);
        });
        _app.MapDefaultEndpoints();
        var host = _app.MapGroup("/hosts/{host}").RequireApiRoles();
        // Holds its request until the test lets it go, then says whether its token was cancelled meanwhile.
        host.MapPost("/held", async (CancellationToken ct) =>
        {
            _entered.TrySetResult(ct);
            _entries.Release();
            await _release.Task;
            _finished.TrySetResult(ct.IsCancellationRequested);
            return TypedResults.NoContent();
        });
        host.MapGet("", (string host) => TypedResults.Ok(host));
        host.MapPut("", (string host, Dictionary<string, int> body) => TypedResults.Ok(body.Count));
        await _app.StartAsync();
        _http = _app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        _release.TrySetResult();
        await _app.DisposeAsync();
    }

    Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, CancellationToken cancellationToken = default, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue(ApiKeys.Scheme, Key);
        return _http.SendAsync(request, cancellationToken);
    }

    [Fact]
    public async Task A_client_that_gives_up_does_not_cancel_the_work_it_started()
    {
        using var giveUp = new CancellationTokenSource();
        var call = SendAsync(HttpMethod.Post, "/hosts/h1/held", giveUp.Token);
        var token = await _entered.Task.WaitAsync(Patience);
        var clientSide = await _clientSide.Task;

        await giveUp.CancelAsync();
        for (var waited = 0; !clientSide.IsCancellationRequested && waited < 10_000; waited += 10) await Task.Delay(10);
        _release.SetResult();

        Assert.True(clientSide.IsCancellationRequested);
        Assert.False(await _finished.Task.WaitAsync(Patience));
        Assert.False(token.IsCancellationRequested);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }

    /// <summary>Until <paramref name="count"/> more held requests are inside their endpoint.</summary>
    async Task EnteredAsync(int count)
    {
        for (var i = 0; i < count; i++) Assert.True(await _entries.WaitAsync(Patience), $"{i} of {count} requests got in");
    }

    /// <summary>Until a request naming <paramref name="host"/> waits in the service's limiter, for the host or in all.</summary>
    async Task WaitingAsync(string host)
    {
        var limiter = _app.Services.GetRequiredService<IOptions<RateLimiterOptions>>().Value.GlobalLimiter!;
        var probe = new DefaultHttpContext { Request = { Path = $"/hosts/{host}", RouteValues = { ["host"] = host } } };
        for (var waited = TimeSpan.Zero; limiter.GetStatistics(probe)?.CurrentQueuedCount is not > 0; waited += TimeSpan.FromMilliseconds(10))
        {
            Assert.True(waited < Patience, $"no request for {host} waits");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_host_flooded_past_its_queue_is_told_to_come_back_and_another_host_is_still_answered()
    {
        var held = new[] { SendAsync(HttpMethod.Post, "/hosts/h1/held"), SendAsync(HttpMethod.Post, "/hosts/h1/held") };
        await EnteredAsync(2);
        var waiting = SendAsync(HttpMethod.Post, "/hosts/h1/held");
        await WaitingAsync("h1");

        using var refused = await SendAsync(HttpMethod.Post, "/hosts/h1/held").WaitAsync(Patience);
        using var other = await SendAsync(HttpMethod.Get, "/hosts/h2").WaitAsync(Patience);
        using var live = await _http.GetAsync("/health/live").WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("too-many-requests", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("kind").GetString());
        Assert.Equal(TimeSpan.FromSeconds(RequestLimits.RetryAfterSeconds), refused.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.False(waiting.IsCompleted);
        _release.SetResult();
        foreach (var response in await Task.WhenAll([.. held, waiting]).WaitAsync(Patience)) Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Requests_over_all_hosts_wait_for_the_service_s_own_limit()
    {
        var held = new[] { SendAsync(HttpMethod.Post, "/hosts/h1/held"), SendAsync(HttpMethod.Post, "/hosts/h2/held"), SendAsync(HttpMethod.Post, "/hosts/h3/held") };
        await EnteredAsync(3);

        var waiting = SendAsync(HttpMethod.Get, "/hosts/h4");
        await WaitingAsync("h4");

        Assert.False(waiting.IsCompleted);
        _release.SetResult();
        using var answer = await waiting.WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        foreach (var response in await Task.WhenAll(held).WaitAsync(Patience)) Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task A_body_that_comes_slowly_holds_no_place_another_host_s_request_needs()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var bodies = Enumerable.Range(1, 3).Select(_ => new SlowBody("""{"a": 1}""", release.Task)).ToArray();
        var slow = bodies.Select((body, i) => SendAsync(HttpMethod.Put, $"/hosts/h{i + 1}", content: body)).ToArray();
        await Task.WhenAll(bodies.Select(b => b.Started)).WaitAsync(Patience);
        // Held in the limits, they would fill them (3 in all) at once; buffered first, they hold none.
        var limiter = _app.Services.GetRequiredService<IOptions<RateLimiterOptions>>().Value.GlobalLimiter!;
        var probe = new DefaultHttpContext { Request = { Path = "/hosts/h4", RouteValues = { ["host"] = "h4" } } };
        for (var waited = 0; limiter.GetStatistics(probe)?.CurrentAvailablePermits > 0 && waited < 1000; waited += 10) await Task.Delay(10);

        using var other = await SendAsync(HttpMethod.Get, "/hosts/h4").WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.DoesNotContain(slow, s => s.IsCompleted);
        release.SetResult();
        foreach (var answer in await Task.WhenAll(slow).WaitAsync(Patience)) Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    /// <summary>A JSON body of declared length whose first bytes come at once and the rest when <paramref name="rest"/> completes.</summary>
    sealed class SlowBody : HttpContent
    {
        readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly byte[] _bytes;
        readonly Task _rest;

        public SlowBody(string json, Task rest)
        {
            (_bytes, _rest) = (System.Text.Encoding.UTF8.GetBytes(json), rest);
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        public Task Started => _started.Task;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_bytes.AsMemory(0, 2));
            await stream.FlushAsync();
            _started.TrySetResult();
            await _rest;
            await stream.WriteAsync(_bytes.AsMemory(2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _bytes.Length;
            return true;
        }
    }
}
