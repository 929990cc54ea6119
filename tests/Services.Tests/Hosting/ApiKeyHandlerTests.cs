using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.Hosting;
using Apmatrix.Integration.Tests;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>The API key handler and the role conventions on a small app in memory (TestServer): what each caller gets.</summary>
public sealed class ApiKeyHandlerTests : IAsyncLifetime
{
    const string Operator = "operator-key", Viewer = "viewer-key", ApBus = "apbus-key", VfioAp = "vfioap-key";

    WebApplication _app = null!;
    HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _app = Build(new()
        {
            ["Auth:Clients:ops:KeySha256"] = ApiKeys.Sha256Hex(Operator).ToUpperInvariant(),
            ["Auth:Clients:ops:Role"] = ApiRoles.Operator,
            ["Auth:Clients:watcher:KeySha256"] = ApiKeys.Sha256Hex(Viewer),
            ["Auth:Clients:watcher:Role"] = ApiRoles.Viewer,
            ["Auth:Clients:apbus:KeySha256"] = ApiKeys.Sha256Hex(ApBus),
            ["Auth:Clients:apbus:Role"] = ApiRoles.Service,
            ["Auth:Clients:vfioap:KeySha256"] = ApiKeys.Sha256Hex(VfioAp),
            ["Auth:Clients:vfioap:Role"] = ApiRoles.Service,
        });
        await _app.StartAsync();
        _http = _app.GetTestClient();
    }

    static WebApplication Build(Dictionary<string, string?> settings, ILoggerProvider? logs = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(settings);
        if (logs is not null) builder.Logging.AddProvider(logs);
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        var host = app.MapGroup("/hosts/{host}").RequireApiRoles();
        host.MapGet("", (string host) => TypedResults.Ok(host));
        host.MapPut("", (string host) => TypedResults.Ok(host));
        host.MapDelete("", () => TypedResults.NoContent());
        host.MapPost("/mask-check", () => TypedResults.NoContent()).AllowService("apbus");
        host.MapPost("/contended", IResult () => throw new PostgresException("could not serialize access", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure));
        return app;
    }

    Task<HttpResponseMessage> SendAsync(string method, string path, string? key, bool header = false) => SendAsync(_http, method, path, key, header);

    static async Task<HttpResponseMessage> SendAsync(HttpClient http, string method, string path, string? key, bool header = false)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (key is not null && header) request.Headers.Add(ApiKeys.Header, key);
        else if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue(ApiKeys.Scheme, key);
        return await http.SendAsync(request);
    }

    static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string kind)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(kind, problem.GetProperty("kind").GetString());
        Assert.Equal($"urn:apmatrix:error:{kind}", problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    [Fact]
    public async Task An_operator_key_reads_and_changes_in_either_header()
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", "/hosts/h1", Operator)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("PUT", "/hosts/h1", Operator)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync("DELETE", "/hosts/h1", Operator, header: true)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync("POST", "/hosts/h1/mask-check", Operator)).StatusCode);
    }

    [Fact]
    public async Task A_viewer_reads_but_a_change_is_forbidden_naming_the_client()
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", "/hosts/h1", Viewer, header: true)).StatusCode);
        var problem = await ProblemAsync(await SendAsync("PUT", "/hosts/h1", Viewer), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("API client 'watcher' (role viewer) may not PUT this endpoint", problem.GetProperty("detail").GetString());
        await ProblemAsync(await SendAsync("POST", "/hosts/h1/mask-check", Viewer), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_missing_key_is_unauthenticated_with_the_challenge()
    {
        using var response = await SendAsync("GET", "/hosts/h1", null);
        var problem = await ProblemAsync(response, HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal(ApiKeys.Scheme, Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.StartsWith("no API key", problem.GetProperty("detail").GetString());
        await ProblemAsync(await SendAsync("PUT", "/hosts/h1", null), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAsync(await SendAsync("GET", "/nowhere", null), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Theory]
    [InlineData("not-a-key", false, "the API key is not one this service knows")]
    [InlineData("operator-key ", true, "the API key is not one this service knows")]
    [InlineData("", false, "an empty API key: send 'Authorization: ApiKey <key>' or 'X-Api-Key: <key>'")]
    public async Task A_bad_key_is_unauthenticated_and_not_echoed(string key, bool header, string detail)
    {
        using var response = await SendAsync("GET", "/hosts/h1", key, header);
        var problem = await ProblemAsync(response, HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Equal(ApiKeys.Scheme, Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 0)]
    [InlineData(0, 2)]
    public async Task Two_keys_in_one_request_are_unauthenticated_whichever_headers_carry_them(int inAuthorization, int inHeader)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hosts/h1");
        foreach (var key in new[] { Operator, Viewer }.Take(inAuthorization))
            request.Headers.TryAddWithoutValidation("Authorization", $"{ApiKeys.Scheme} {key}");
        foreach (var key in new[] { Viewer, Operator }.Take(inHeader)) request.Headers.Add(ApiKeys.Header, key);

        var problem = await ProblemAsync(await _http.SendAsync(request), HttpStatusCode.Unauthorized, "unauthenticated");

        Assert.Equal("two API keys: send one, in Authorization or in X-Api-Key", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Two_keys_joined_in_one_Authorization_line_are_two_keys_not_none()
    {
        // Ignored as a line that does not parse, the joined keys would leave the X-Api-Key's client to speak.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hosts/h1");
        request.Headers.TryAddWithoutValidation("Authorization", $"{ApiKeys.Scheme} {Operator}, {ApiKeys.Scheme} {Viewer}");

        var problem = await ProblemAsync(await _http.SendAsync(request), HttpStatusCode.Unauthorized, "unauthenticated");

        Assert.Equal("two API keys: send one, in Authorization or in X-Api-Key", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_service_key_calls_only_the_endpoint_named_for_it()
    {
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync("POST", "/hosts/h1/mask-check", ApBus)).StatusCode);
        await ProblemAsync(await SendAsync("GET", "/hosts/h1", ApBus), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAsync(await SendAsync("PUT", "/hosts/h1", ApBus), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAsync(await SendAsync("POST", "/hosts/h1/mask-check", VfioAp), HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_answers_get_and_head_to_anyone_and_no_other_method(string path)
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", path, null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("HEAD", path, null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync("GET", path, "not-a-key")).StatusCode);
        foreach (var method in new[] { "TRACE", "PUT", "POST", "DELETE" })
        {
            using var refused = await SendAsync(method, path, null);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, refused.StatusCode);
            Assert.Equal(["GET", "HEAD"], refused.Content.Headers.Allow);
        }
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await SendAsync("PUT", path, Operator)).StatusCode);
    }

    [Fact]
    public async Task A_change_another_beat_at_the_database_is_a_409_to_send_again()
    {
        var problem = await ProblemAsync(await SendAsync("POST", "/hosts/h1/contended", Operator), HttpStatusCode.Conflict, "contention");

        Assert.Contains("send the request again", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_key_being_rotated_admits_the_new_and_the_old_key_as_one_client_and_logs_the_old_one_in_use()
    {
        var logs = new LogLines(LogLevel.Information);
        await using var app = Build(new()
        {
            ["Auth:Clients:rotating:KeySha256"] = $"{ApiKeys.Sha256Hex("new-key")} , {ApiKeys.Sha256Hex("old-key").ToUpperInvariant()}",
            ["Auth:Clients:rotating:Role"] = ApiRoles.Viewer,
        }, logs);
        await app.StartAsync();
        var http = app.GetTestClient();

        foreach (var key in new[] { "new-key", "old-key" })
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, "GET", "/hosts/h1", key)).StatusCode);
            var forbidden = await ProblemAsync(await SendAsync(http, "PUT", "/hosts/h1", key), HttpStatusCode.Forbidden, "forbidden");
            Assert.Equal("API client 'rotating' (role viewer) may not PUT this endpoint", forbidden.GetProperty("detail").GetString());
        }
        await ProblemAsync(await SendAsync(http, "GET", "/hosts/h1", "another-key"), HttpStatusCode.Unauthorized, "unauthenticated");

        // Two requests with the old key, one line: a client still on it writes a line a minute, not one a request.
        var line = Assert.Single(logs.Lines, l => l.Text.Contains("API client rotating"));
        Assert.Contains("old key still in use", line.Text);
        Assert.Contains(ApiKeys.Sha256Hex("old-key")[..8], line.Text);
    }

    [Fact]
    public void The_stored_hash_is_the_hex_sha256_of_the_key()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ApiKeys.Sha256Hex("abc"));
        var key = ApiKeys.NewKey();
        Assert.Matches("^[0-9a-f]{64}$", key);
        Assert.NotEqual(key, ApiKeys.NewKey());
    }

    [Theory]
    [InlineData(null, null, "Auth:Clients is empty")]
    [InlineData("operator-key", "operator", "Auth:Clients:someone:KeySha256 must be 64 hex digits")]
    [InlineData("hash", "admin", "Auth:Clients:someone:Role must be viewer, operator, service")]
    [InlineData("empty", "operator", "Auth:Clients:someone:KeySha256 is the SHA-256 of an empty key")]
    [InlineData("hash,operator-key", "operator", "Auth:Clients:someone:KeySha256 must be 64 hex digits")]
    [InlineData("hash,", "operator", "Auth:Clients:someone:KeySha256 must be 64 hex digits")]
    [InlineData("hash,empty", "operator", "Auth:Clients:someone:KeySha256 is the SHA-256 of an empty key")]
    public async Task A_service_without_usable_clients_does_not_start(string? key, string? role, string message)
    {
        var settings = new Dictionary<string, string?>();
        if (key is not null)
            (settings["Auth:Clients:someone:KeySha256"], settings["Auth:Clients:someone:Role"]) = (string.Join(",", key.Split(',').Select(part => part switch
            {
                "hash" => ApiKeys.Sha256Hex("k"), "empty" => ApiKeys.Sha256Hex(""), _ => part,
            })), role);
        await using var app = Build(settings);
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains(message, failure.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_service_whose_two_clients_share_a_key_does_not_start(bool asOldKey)
    {
        // The shared key as bob's only one, or as the old key he is rotating away from.
        var bob = ApiKeys.Sha256Hex("k").ToUpperInvariant();
        await using var app = Build(new Dictionary<string, string?>
        {
            ["Auth:Clients:alice:KeySha256"] = ApiKeys.Sha256Hex("k"), ["Auth:Clients:alice:Role"] = ApiRoles.Viewer,
            ["Auth:Clients:bob:KeySha256"] = asOldKey ? $"{ApiKeys.Sha256Hex("b")},{bob}" : bob, ["Auth:Clients:bob:Role"] = ApiRoles.Operator,
        });
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Auth:Clients:alice, :bob have the same KeySha256", failure.Message);
    }

    [Fact]
    public async Task A_service_client_sends_its_own_key_and_without_one_the_service_does_not_start()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Services:Peer"] = "http://127.0.0.1:1", ["Services:PeerKey"] = "k" });
        builder.Services.AddServiceClient<PeerClient>("Peer", "http://127.0.0.1:2");
        await using (var app = builder.Build())
        {
            var http = app.Services.GetRequiredService<PeerClient>().Http;
            Assert.Equal(new AuthenticationHeaderValue(ApiKeys.Scheme, "k"), http.DefaultRequestHeaders.Authorization);
            Assert.Equal(new Uri("http://127.0.0.1:1/"), http.BaseAddress);
        }

        var keyless = WebApplication.CreateBuilder();
        keyless.WebHost.UseTestServer();
        keyless.Services.AddServiceClient<PeerClient>("Peer", "http://127.0.0.1:2");
        await using var started = keyless.Build();
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => started.StartAsync());
        Assert.Contains("Services:PeerKey is not set", failure.Message);
    }

    public sealed class PeerClient(HttpClient http)
    {
        public HttpClient Http => http;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }
}
