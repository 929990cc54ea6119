using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.Integration.Tests.ApBus;
using Apmatrix.Integration.Tests.VfioAp;
using Apmatrix.LoadTest;

namespace Apmatrix.Integration.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser: after a scenario the canvas shows each chosen APQN in the legend's colour for the state the
/// scenario gives it (read from the canvas's pixels, compared with the legend's swatches), the guests with their update counts;
/// then a config change on ApBus shows up on the same page without a reload, and a screenshot is kept in TestResults/dashboard.
/// </summary>
[Collection("stack")]
public class DashboardPageTests(StackFixture stack) : IAsyncLifetime
{
    DashboardHost _dashboard = null!;

    public async Task InitializeAsync() => _dashboard = await DashboardHost.StartAsync(stack);

    public async Task DisposeAsync() => await _dashboard.DisposeAsync();

    static string NotConfigured => State("not-configured");
    static string DefaultDriver => State("default-driver");
    static string Free => State("free");
    static string State(string state) => $"#legend li[data-state=\"{state}\"]:not([data-mdev])";
    static string Assigned(string mdev) => $"#legend li[data-state=\"assigned\"][data-mdev=\"{mdev}\"]";
    static string InApcb(string guest) => $"#legend li[data-state=\"in-guest-apcb\"][data-guest=\"{guest}\"]";

    [Fact]
    public async Task Should_draw_the_states_and_guests_a_scenario_gives_and_follow_a_config_change_without_a_reload()
    {
        var host = $"it-dash-{Guid.NewGuid():N}";
        using var apBus = stack.Client(stack.ApBus);
        using var guestVm = stack.Client(stack.GuestVm);
        using var vfioAp = new VfioApi(stack.Client(stack.VfioAp), host);
        foreach (var guest in new[] { "vm1", "vm2" })
            await VfioApi.SucceedsAsync(guestVm.PutAsJsonAsync($"/hosts/{host}/guests/{guest}", new { vcpus = 2 }));
        // Adapter 6 is the default drivers' (apmask 6, aqmask 0-15) once it is configured; adapter 7 is not configured yet.
        var defined = await BusApi.LastSequenceAsync(apBus.PutAsJsonAsync($"/hosts/{host}",
            new { apm = "4-5", aqm = "0-3", adm = "0-3", maxAdapter = 15, maxDomain = 15, apmask = "6", aqmask = "0-15" }));
        await vfioAp.UntilAppliedAsync(defined);
        await vfioAp.MdevAsync("m1", [4, 5], [1, 2], "vm1");
        await vfioAp.MdevAsync("m2", [7], [0, 1], "vm2");

        await using var browser = await Chromium.StartAsync();
        await browser.NavigateAsync($"{_dashboard.Address}#key={Uri.EscapeDataString(_dashboard.BrowserKey)}&host={host}");
        Assert.DoesNotContain("key=", await browser.EvaluateAsync<string>("location.href"));
        await browser.EvaluateAsync<bool>("window.sameDocument = true");

        await ShowsAsync(browser, "after the scenario", new()
        {
            [(4, 0)] = Free, [(5, 3)] = Free,
            [(4, 1)] = InApcb("vm1"), [(5, 2)] = InApcb("vm1"),
            [(7, 0)] = Assigned("m2"), [(7, 1)] = Assigned("m2"),
            [(6, 0)] = NotConfigured, [(4, 4)] = NotConfigured, [(0, 0)] = NotConfigured, [(255, 255)] = NotConfigured,
        });
        // Each attach sent its guest a first APCB: vm2's is empty, adapter 7 is not configured yet.
        await GuestsAsync(browser, new() { ["vm1"] = "1", ["vm2"] = "1" });

        var changed = await BusApi.LastSequenceAsync(apBus.PutAsJsonAsync($"/hosts/{host}/config", new { apm = "4-7", aqm = "0-3", adm = "0-3" }));
        await ShowsAsync(browser, $"after the config change (bus events up to {changed})", new()
        {
            [(4, 0)] = Free, [(7, 2)] = Free,
            [(4, 1)] = InApcb("vm1"),
            [(7, 0)] = InApcb("vm2"), [(7, 1)] = InApcb("vm2"),
            [(6, 0)] = DefaultDriver, [(6, 3)] = DefaultDriver,
            [(7, 4)] = NotConfigured, [(8, 0)] = NotConfigured,
        });
        // The scan gave vm2 its one update, for adapter 7, and vm1 none.
        await GuestsAsync(browser, new() { ["vm1"] = "1", ["vm2"] = "2" });
        Assert.True(await browser.EvaluateAsync<bool>("window.sameDocument === true"), "the page reloaded to show the change");

        var point = await browser.EvaluateAsync<double[]>("""
            (() => { const c = document.getElementById('matrix'), r = c.getBoundingClientRect(), s = c.clientWidth / 256;
                     return [r.left + c.clientLeft + 1.5 * s, r.top + c.clientTop + 7.5 * s]; })()
            """);
        await browser.MoveMouseAsync(point[0], point[1]);
        await Eventually.TrueAsync(async () => await browser.EvaluateAsync<string>("document.getElementById('apqn').textContent")
            == "APQN 07.0001: in guest vm2's APCB (mdev m2)", "hovering 07.0001 to name its state");

        var screenshot = await browser.ScreenshotAsync();
        var folder = Directory.CreateDirectory(Path.Combine(Repository.Root(), "TestResults", "dashboard")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(folder, $"{nameof(DashboardPageTests)}.png"), screenshot);
        Assert.True(screenshot.AsSpan(0, 4).SequenceEqual((byte[])[0x89, (byte)'P', (byte)'N', (byte)'G']), "the screenshot is no PNG");
        Assert.Empty(browser.PageErrors);
    }

    /// <summary>
    /// Waits until the canvas pixel of each APQN (adapter = row, domain = column) has the colour of the legend entry the test
    /// expects for it; the entries named must have colours of their own, or equal colours would prove nothing.
    /// </summary>
    static async Task ShowsAsync(Chromium browser, string when, Dictionary<(int Adapter, int Domain), string> expected)
    {
        var checks = JsonSerializer.Serialize(expected.Select(e => new { a = e.Key.Adapter, d = e.Key.Domain, legend = e.Value }));
        var seen = await Eventually.ReadAsync(() => browser.EvaluateAsync<Seen[]>($$"""
            (() => {
              const canvas = document.getElementById('matrix').getContext('2d');
              return {{checks}}.map(c => {
                const p = canvas.getImageData(c.d, c.a, 1, 1).data;
                const swatch = document.querySelector(c.legend + ' .swatch');
                const apqn = c.a.toString(16).padStart(2, '0') + '.' + c.d.toString(16).padStart(4, '0');
                return { apqn, legend: c.legend, pixel: `rgb(${p[0]}, ${p[1]}, ${p[2]})`, swatch: swatch ? getComputedStyle(swatch).backgroundColor : null };
              });
            })()
            """), s => s.All(c => c.Pixel == c.Swatch), $"the page to draw the chosen APQNs {when}",
            describe: s => string.Join("; ", s.Where(c => c.Pixel != c.Swatch).Select(c => $"{c.Apqn} is {c.Pixel}, legend {c.Legend} is {c.Swatch ?? "missing"}")));
        var colours = seen.GroupBy(c => c.Legend).ToDictionary(g => g.Key, g => g.First().Swatch);
        Assert.Equal(colours.Count, colours.Values.Distinct().Count());
    }

    static async Task GuestsAsync(Chromium browser, Dictionary<string, string> updates) =>
        await Eventually.ReadAsync(() => browser.EvaluateAsync<Dictionary<string, string>>("""
            Object.fromEntries([...document.querySelectorAll('#guests tbody tr')]
              .map(r => [r.dataset.guest, r.querySelector('[data-field="updates"]').textContent]))
            """), shown => shown.Count == updates.Count && updates.All(u => shown.GetValueOrDefault(u.Key) == u.Value),
            $"the guests' update counts {string.Join(", ", updates)}", describe: shown => string.Join(", ", shown));

    sealed record Seen(string Apqn, string Legend, string Pixel, string? Swatch);
}
