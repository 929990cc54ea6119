using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.Integration.Tests.ApBus;
using Apmatrix.Integration.Tests.VfioAp;
using Xunit.Abstractions;

namespace Apmatrix.Integration.Tests.Dashboard;

/// <summary>The dashboard's endpoints without a browser: who may read what, refusals, the fleet's pages and a full host's picture.</summary>
[Collection("stack")]
public class DashboardApiTests(StackFixture stack, ITestOutputHelper output) : IAsyncLifetime
{
    DashboardHost _dashboard = null!;

    public async Task InitializeAsync() => _dashboard = await DashboardHost.StartAsync(stack);

    public async Task DisposeAsync() => await _dashboard.DisposeAsync();

    [Fact]
    public async Task Should_serve_the_page_to_anyone_and_its_data_only_to_a_key_it_admits()
    {
        using var anonymous = _dashboard.Client(null);
        using var page = await anonymous.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/dashboard.js")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/hosts")).StatusCode);
        // The stack's operator key opens the services, not the dashboard: it admits only its own clients.
        using var stranger = _dashboard.Client(stack.Keys.Operator);
        Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("/hosts")).StatusCode);
        using var viewer = _dashboard.Client(_dashboard.BrowserKey);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/hosts?limit=1")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await viewer.PostAsync("/", null)).StatusCode);
    }

    [Fact]
    public async Task Should_keep_every_answer_out_of_caches_and_type_sniffing()
    {
        using var viewer = _dashboard.Client(_dashboard.BrowserKey);
        using var anonymous = _dashboard.Client(null);
        using var data = await viewer.GetAsync("/hosts?limit=1");
        using var refused = await anonymous.GetAsync("/hosts");
        using var bad = await viewer.GetAsync("/hosts?limit=0");
        using var service = await stack.Client(stack.VfioAp).GetAsync("/hosts?limit=1");

        foreach (var answer in new[] { data, refused, bad, service })
        {
            Assert.True(answer.Headers.CacheControl?.NoStore, $"{answer.RequestMessage?.RequestUri}: {answer.Headers.CacheControl}");
            Assert.Equal("nosniff", answer.Headers.GetValues("X-Content-Type-Options").Single());
        }
    }

    [Theory]
    [InlineData("/hosts?limit=0", HttpStatusCode.BadRequest, "limit")]
    [InlineData("/hosts?limit=5001", HttpStatusCode.BadRequest, "limit")]
    [InlineData("/hosts?limit=x", HttpStatusCode.BadRequest, "limit")]
    [InlineData("/hosts?after=..%2F", HttpStatusCode.BadRequest, "after")]
    [InlineData("/hosts/.hidden/apqns", HttpStatusCode.BadRequest, "host")]
    [InlineData("/hosts/a%20b/guests", HttpStatusCode.BadRequest, "host")]
    [InlineData("/hosts/%E2%9C%93/apqns", HttpStatusCode.BadRequest, "host")]
    [InlineData("/hosts/it-dash-nobody-knows-this-host/apqns", HttpStatusCode.NotFound, null)]
    [InlineData("/hosts/it-dash-nobody-knows-this-host/guests", HttpStatusCode.NotFound, null)]
    public async Task Should_refuse_bad_input_with_the_services_problems(string path, HttpStatusCode status, string? field)
    {
        using var viewer = _dashboard.Client(_dashboard.BrowserKey);
        using var response = await viewer.GetAsync(path);
        Assert.Equal(status, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (field is null) Assert.Equal("not-found", problem.GetProperty("kind").GetString());
        else Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Should_page_the_fleet_with_how_far_behind_each_host_is()
    {
        var prefix = $"it-dash-fleet-{Guid.NewGuid():N}-";
        using var apBus = stack.Client(stack.ApBus);
        var sequences = new List<long>();
        foreach (var n in new[] { 1, 2, 3 })
            sequences.Add(await BusApi.LastSequenceAsync(apBus.PutAsJsonAsync($"/hosts/{prefix}{n}",
                new { apm = "1", aqm = "0-1", adm = "0", maxAdapter = 3, maxDomain = 3 })));
        using var viewer = _dashboard.Client(_dashboard.BrowserKey);

        var first = await Eventually.ReadAsync(() => viewer.GetFromJsonAsync<JsonElement>($"/hosts?after={prefix}&limit=2"),
            page => page.GetProperty("hosts").EnumerateArray().All(h => h.GetProperty("behind").GetInt64() == 0),
            "VfioAp to apply the hosts' events", describe: page => page.ToString());
        var hosts = first.GetProperty("hosts").EnumerateArray().ToList();
        Assert.Equal([$"{prefix}1", $"{prefix}2"], hosts.Select(h => h.GetProperty("host").GetString()));
        Assert.All(hosts, (h, i) =>
        {
            Assert.Equal(sequences[i], h.GetProperty("busSequence").GetInt64());
            Assert.Equal(sequences[i], h.GetProperty("appliedSequence").GetInt64());
            Assert.Equal(0, h.GetProperty("parkedEvents").GetInt32());
            Assert.Equal(0, h.GetProperty("unacknowledgedUpdates").GetInt32());
        });
        Assert.Equal($"{prefix}2", first.GetProperty("next").GetString());
        var second = await viewer.GetFromJsonAsync<JsonElement>($"/hosts?after={prefix}2&limit=2");
        Assert.Equal($"{prefix}3", second.GetProperty("hosts")[0].GetProperty("host").GetString());
    }

    /// <summary>A full-scale host: 65,536 APQNs in one answer of about 88 KB, a byte each; the time is reported, not asserted.</summary>
    [Fact]
    public async Task Should_draw_a_full_scale_host_in_one_compact_answer()
    {
        var host = $"it-dash-full-{Guid.NewGuid():N}";
        using var apBus = stack.Client(stack.ApBus);
        var defined = await BusApi.LastSequenceAsync(apBus.PutAsJsonAsync($"/hosts/{host}",
            new { apm = "0-255", aqm = "0-255", adm = "0-255", maxAdapter = 255, maxDomain = 255, apmask = "0", aqmask = "0" }));
        using var vfioAp = new VfioApi(stack.Client(stack.VfioAp), host);
        await vfioAp.UntilAsync(h => h.GetProperty("lastSequence").GetInt64() >= defined, "the full-scale scan applied");
        using var viewer = _dashboard.Client(_dashboard.BrowserKey);

        var clock = new Stopwatch();
        var times = new List<double>();
        string body = "";
        for (var i = 0; i < 5; i++)
        {
            clock.Restart();
            body = await viewer.GetStringAsync($"/hosts/{host}/apqns");
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        var picture = JsonDocument.Parse(body).RootElement;
        var cells = Convert.FromBase64String(picture.GetProperty("cells").GetString()!);
        var states = picture.GetProperty("states").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Equal(65_536, cells.Length);
        // Queue 00.0000 is the default drivers' (apmask and aqmask 0); every other one is bound to vfio_ap.
        Assert.Equal("default-driver", states[cells[0]]);
        Assert.Equal(65_535, cells.Count(c => states[c] == "free"));
        Assert.Equal(defined, picture.GetProperty("busSequence").GetInt64());
        Assert.True(body.Length < 96 * 1024, $"the answer is {body.Length} bytes");
        times.Sort();
        output.WriteLine($"GET /hosts/{{host}}/apqns of a 256 x 256 host through the dashboard: {body.Length:N0} bytes, " +
            $"median {times[2]:0.0} ms, fastest {times[0]:0.0} ms, slowest {times[^1]:0.0} ms of 5");
    }
}
