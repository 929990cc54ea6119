using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Apmatrix.Contracts;
using Apmatrix.Integration.Tests.DeadLetters;
using Apmatrix.LoadTest;
using Apmatrix.Scenarios;
using Apmatrix.Scenarios.Stack;
using Npgsql;

namespace Apmatrix.Integration.Tests.Telemetry;

/// <summary>
/// Each service's <c>/metrics</c>, read over HTTP, counts what the service did. A stack of its own serves only this
/// class, and each service exports only its own meters, but exchanges are shared on the test vhost: other stacks' bus
/// events and ApplyApcbs reach this stack's VfioAp and GuestVm too. So a scenario's own run is checked as a lower bound,
/// and the exact counts are checked against the service's own database, which holds everything the service committed
/// (the counters are recorded after each commit), read between two equal scrapes so nothing moved in between.
/// </summary>
public class MetricsTests(StackFixture stack) : IClassFixture<StackFixture>
{
    const string EventsApplied = "apmatrix_vfioap_bus_events_applied_total";
    const string UpdatesSent = "apmatrix_vfioap_guest_updates_sent_total";
    const string ProbesDeferred = "apmatrix_vfioap_probes_deferred_total";
    const string HotPlugs = "apmatrix_vfioap_hot_plugs_total";
    const string ApqnsPlugged = "apmatrix_vfioap_apqns_plugged_total";
    const string ScanToApplied = "apmatrix_vfioap_scan_to_guest_applied_seconds_count";
    const string UpdatesApplied = "apmatrix_guestvm_apcb_updates_applied_total";
    const string Suspended = "apmatrix_guestvm_vcpus_suspended_seconds_count";

    [Fact]
    public async Task Should_answer_only_a_viewer_or_an_operator()
    {
        foreach (var service in new[] { stack.ApBus, stack.VfioAp, stack.GuestVm })
        {
            using var anonymous = stack.Client(service, null);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
            using var viewer = stack.Client(service, stack.ViewerKey);
            var answer = await viewer.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.StartsWith("text/plain", answer.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, (await viewer.PostAsync("/metrics", null)).StatusCode);
        }
    }

    [Fact]
    public async Task Should_count_a_scenario_and_agree_with_what_each_service_committed()
    {
        var before = await ScrapeAsync(stack.VfioAp);
        var guestsBefore = await ScrapeAsync(stack.GuestVm);
        var scenario = ScenarioReader.ReadFile(Path.Combine(AppContext.BaseDirectory, "scenarios", "01-adapter-added.json"));
        var host = StackTarget.HostIdFor(scenario);
        await using (var target = new StackTarget(new StackEndpoints(stack.ApBus, stack.VfioAp, stack.GuestVm, stack.Keys.Operator), host,
                         BusEventForm.Grouped))
        {
            var result = await ScenarioRunner.RunAsync(scenario, target);
            Assert.True(result.Passed, string.Join("\n", result.Failures));
        }
        using var apBus = stack.Client(stack.ApBus);
        var sent = JsonDocument.Parse(await apBus.GetStringAsync($"/hosts/{host}")).RootElement.GetProperty("lastSequence").GetInt64();
        // Two scans (the host's definition, then the step), each config changed, one grouped probe of one adapter, scan complete.
        Assert.Equal(6, sent);
        using var guestVm = stack.Client(stack.GuestVm);
        var updates = JsonDocument.Parse(await guestVm.GetStringAsync($"/hosts/{host}/guests")).RootElement.EnumerateArray()
            .Sum(g => g.GetProperty("updates").GetInt64());
        // The attach plugs (4,4); scan complete plugs (5,4), whose probe waited for it.
        Assert.Equal(2, updates);

        var after = await Eventually.ReadAsync(() => ScrapeAsync(stack.VfioAp),
            m => Delta(m, before, EventsApplied) >= sent && Delta(m, before, ScanToApplied) >= 1, "VfioAp to count the scenario's bus events");
        Assert.True(Delta(after, before, UpdatesSent) >= updates);
        Assert.True(Delta(after, before, ProbesDeferred) >= 1);
        Assert.True(Delta(after, before, HotPlugs) >= 2);
        Assert.True(Delta(after, before, ApqnsPlugged) >= 2);
        Assert.True(Value(after, EventsApplied, "kind=\"queues-probed\"") - Value(before, EventsApplied, "kind=\"queues-probed\"") >= 1);
        var guestsAfter = await Eventually.ReadAsync(() => ScrapeAsync(stack.GuestVm), m => Delta(m, guestsBefore, UpdatesApplied) >= updates,
            "GuestVm to count the scenario's updates");
        Assert.True(Delta(guestsAfter, guestsBefore, Suspended) >= updates);
        // Typed so, rate() and increase() take a counter without a warning and read a restart as a reset; seconds are the base unit.
        var vfioApText = await ScrapeTextAsync(stack.VfioAp);
        Assert.Contains($"# TYPE {EventsApplied} counter", vfioApText);
        Assert.Contains($"# TYPE {HotPlugs} counter", vfioApText);
        Assert.Contains("# TYPE apmatrix_vfioap_scan_to_guest_applied_seconds histogram", vfioApText);
        Assert.Contains("# TYPE apmatrix_vfioap_outbox_waiting gauge", vfioApText);
        Assert.Contains("service_name=\"vfioap\"", vfioApText);
        Assert.Contains("# TYPE apmatrix_guestvm_vcpus_suspended_seconds histogram", await ScrapeTextAsync(stack.GuestVm));
        // What a Prometheus server asks for first: OpenMetrics, the same counters.
        using var viewer = stack.Client(stack.VfioAp, stack.ViewerKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4");
        using var openMetrics = await viewer.SendAsync(request);
        var openMetricsText = await openMetrics.Content.ReadAsStringAsync();
        Assert.Equal("application/openmetrics-text", openMetrics.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE apmatrix_vfioap_bus_events_applied counter", openMetricsText);
        Assert.Contains($"{EventsApplied}{{", openMetricsText);
        Assert.EndsWith("# EOF\n", openMetricsText);

        await AgreesAsync(stack.VfioAp, "vfioap", EventsApplied, "SELECT coalesce(sum(last_sequence), 0)::float8 FROM hosts");
        await AgreesAsync(stack.VfioAp, "vfioap", UpdatesSent, "SELECT count(*)::float8 FROM guest_updates");
        await AgreesAsync(stack.VfioAp, "vfioap", ScanToApplied, "SELECT count(*)::float8 FROM guest_updates WHERE scan_caused AND acked_at IS NOT NULL");
        await AgreesAsync(stack.GuestVm, "guestvm", UpdatesApplied, "SELECT coalesce(sum(update_count), 0)::float8 FROM guests");
    }

    [Fact]
    public async Task Should_show_every_counter_from_the_start()
    {
        var vfioAp = await ScrapeAsync(stack.VfioAp);

        foreach (var name in new[] { "apmatrix_vfioap_bus_events_arrived_early_total", "apmatrix_vfioap_guest_updates_resent_total", ProbesDeferred, HotPlugs,
                     ApqnsPlugged, UpdatesSent })
            Assert.True(vfioAp.ContainsKey(name), $"{name} is not exported");
        foreach (var kind in new[] { "config-changed", "queue-probed", "queues-probed", "queue-removed", "queues-removed", "scan-complete", "bus-masks-changed" })
            Assert.Contains(vfioAp.Keys, k => k.StartsWith(EventsApplied + "{", StringComparison.Ordinal) && k.Contains($"kind=\"{kind}\"", StringComparison.Ordinal));
        Assert.True((await ScrapeAsync(stack.GuestVm)).ContainsKey(UpdatesApplied));
    }

    [Fact]
    public async Task Should_show_the_backlogs_as_gauges()
    {
        const string parked = "apmatrix_vfioap_bus_events_parked";
        // A host stalled at a gap: its fourth event waits in pending_bus_events until the third, dead-lettered, is re-driven.
        await using var stalled = await StalledHost.StallAsync(stack);
        // VfioAp parks the fourth event once it arrives.
        await Eventually.ReadAsync(() => ScrapeAsync(stack.VfioAp), m => Sum(m, parked) >= 1, "VfioAp's gauge to show the parked event");
        await BacklogsAgreeAsync();

        using var redriven = await stalled.Api.RedriveAsync(stalled.Lane, new { count = 1 });
        Assert.True(redriven.IsSuccessStatusCode, await redriven.Content.ReadAsStringAsync());
        await stalled.Vfio.UntilAppliedAsync(4);
        await BacklogsAgreeAsync();

        // Another service's instruments never show here, though all three run in this process.
        Assert.DoesNotContain((await ScrapeAsync(stack.ApBus)).Keys, k => k.StartsWith("apmatrix_vfioap_", StringComparison.Ordinal));
    }

    async Task BacklogsAgreeAsync()
    {
        await AgreesAsync(stack.VfioAp, "vfioap", "apmatrix_vfioap_bus_events_parked", "SELECT count(*)::float8 FROM pending_bus_events");
        await AgreesAsync(stack.VfioAp, "vfioap", "apmatrix_vfioap_guest_updates_unacknowledged",
            "SELECT count(*)::float8 FROM guest_updates WHERE acked_at IS NULL");
        await AgreesAsync(stack.VfioAp, "vfioap", "apmatrix_vfioap_outbox_waiting", "SELECT count(*)::float8 FROM outbox_messages");
        await AgreesAsync(stack.ApBus, "apbus", "apmatrix_apbus_outbox_waiting", "SELECT count(*)::float8 FROM outbox_messages");
        await AgreesAsync(stack.GuestVm, "guestvm", "apmatrix_guestvm_outbox_waiting", "SELECT count(*)::float8 FROM outbox_messages");
    }

    [Fact]
    public async Task Should_alert_only_on_metrics_the_services_export()
    {
        var exported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in new[] { stack.ApBus, stack.VfioAp, stack.GuestVm }) exported.UnionWith((await ScrapeAsync(service)).Keys);
        var rules = await File.ReadAllTextAsync(Path.Combine(Repository.Root(), "docs", "prometheus-alerts.yml"));

        var named = Regex.Matches(rules, @"\bapmatrix_[a-z_]+").Select(m => m.Value).ToHashSet();

        Assert.True(named.Count >= 8, string.Join(", ", named));
        Assert.All(named, name => Assert.Contains(name, exported));
    }

    /// <summary>
    /// The counter equals what the database holds, read between two scrapes that agree: a commit counts right after it
    /// returns, so a count that did not move around the query is the count of exactly what the query saw.
    /// </summary>
    async Task AgreesAsync(Uri service, string database, string metric, string sql)
    {
        await Eventually.ReadAsync(async () =>
        {
            var first = Present(await ScrapeAsync(service), metric);
            await using var connection = new NpgsqlConnection(stack.Database(database));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            var stored = (double)(await command.ExecuteScalarAsync())!;
            var second = Present(await ScrapeAsync(service), metric);
            return (first, stored, second);
        }, r => r.first == r.stored && r.stored == r.second, $"{metric} to equal {sql}", describe: r => r.ToString());
    }

    /// <summary>Every sample of the scrape by its line's name and labels, plus each name's sum over its labels.</summary>
    async Task<Dictionary<string, double>> ScrapeAsync(Uri service)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in (await ScrapeTextAsync(service)).Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            var (series, value) = (line[..space], double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
            samples[series] = value;
            var brace = series.IndexOf('{');
            if (brace > 0) samples[series[..brace]] = samples.GetValueOrDefault(series[..brace]) + value;
        }
        return samples;
    }

    async Task<string> ScrapeTextAsync(Uri service)
    {
        using var viewer = stack.Client(service, stack.ViewerKey);
        return await viewer.GetStringAsync("/metrics");
    }

    static double Sum(Dictionary<string, double> samples, string name) => samples.GetValueOrDefault(name);

    /// <summary>A metric missing from the scrape equals no table's count.</summary>
    static double Present(Dictionary<string, double> samples, string name) => samples.GetValueOrDefault(name, double.NaN);

    /// <summary>The sum of <paramref name="name"/>'s series that carry <paramref name="label"/> among their labels.</summary>
    static double Value(Dictionary<string, double> samples, string name, string label) =>
        samples.Where(s => s.Key.StartsWith(name + "{", StringComparison.Ordinal) && s.Key[(name.Length + 1)..^1].Split(',').Contains(label))
            .Sum(s => s.Value);

    static double Delta(Dictionary<string, double> after, Dictionary<string, double> before, string name) => Sum(after, name) - Sum(before, name);
}
