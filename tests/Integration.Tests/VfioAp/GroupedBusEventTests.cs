using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Contracts;

namespace Apmatrix.Integration.Tests.VfioAp;

/// <summary>
/// The grouped form of a scan (its probes or removals in one QueuesProbed or QueuesRemoved of APQN runs) sent straight to VfioAp as ApBus's user:
/// hosts with mdev m1 (adapters 1-2, domains 1-2) on guest g1 and m2 (adapter 3, domains 0 and 3) on guest g2.
/// </summary>
[Collection("stack")]
public class Applying_grouped_bus_events(StackFixture stack)
{
    async Task<VfioApi> HostWithGuestsAsync()
    {
        var api = new VfioApi(stack.Client(stack.VfioAp), VfioApi.NewHost());
        await VfioApi.SucceedsAsync(api.DefineAsync("batched"));
        await api.MdevAsync("m1", [1, 2], [1, 2], guest: "g1");
        await api.MdevAsync("m2", [3], [0, 3], guest: "g2");
        return api;
    }

    static string HostOf(VfioApi api) => api.Host["/hosts/".Length..];

    /// <summary>The scan of adapters and domains 0-3 from nothing, then adapter 2's queues unbound one by one.</summary>
    static List<IBusEvent> ScanThenUnbind(string host)
    {
        var events = BusEventSender.Scan(host, 1, "0-3", "0-3", "0-3");
        var sequence = events[^1].Sequence + 1;
        foreach (var d in Enumerable.Range(0, 4))
            events.Add(new QueueRemoved(host, sequence++, null, new Apqn(2, d).ToString(), BoundDriver.VfioAp, RemovalReason.Unbind));
        return events;
    }

    /// <summary>What a guest-facing result is made of: bound queues, each mdev's guest_matrix, each guest's APCB and version.</summary>
    static async Task<string> OutcomeAsync(VfioApi api)
    {
        var host = await api.GetAsync();
        var guests = (await api.GuestsAsync()).EnumerateArray()
            .Select(g => $"{g.GetProperty("guest").GetString()} v{g.GetProperty("version").GetInt64()} {g.GetProperty("apcb").GetRawText()}")
            .Order(StringComparer.Ordinal);
        return string.Join("\n", [$"bound {host.GetProperty("boundQueues").GetInt32()}",
            $"m1 {await api.SysfsAsync("m1", "guest_matrix")}", $"m2 {await api.SysfsAsync("m2", "guest_matrix")}", .. guests]);
    }

    [Fact]
    public async Task Should_apply_a_grouped_scan_as_its_per_queue_events_with_one_update_per_guest()
    {
        using var perQueue = await HostWithGuestsAsync();
        using var grouped = await HostWithGuestsAsync();
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        var scan = BusEventSender.Scan(HostOf(perQueue), 1, "0-3", "0-3", "0-3");
        var groupedScan = BusEventGroups.Group(BusEventSender.Scan(HostOf(grouped), 1, "0-3", "0-3", "0-3"));

        await bus.PublishAsync(scan);
        await bus.PublishAsync(groupedScan);
        await perQueue.UntilAppliedAsync(scan.Count);
        var shown = await grouped.UntilAppliedAsync(groupedScan.Count);

        Assert.Equal(3, groupedScan.Count);
        Assert.Equal(0, shown.GetProperty("pendingEvents").GetInt32());
        Assert.Equal(await OutcomeAsync(perQueue), await OutcomeAsync(grouped));
        var guests = (await grouped.GuestsAsync()).EnumerateArray().ToList();
        Assert.Equal([1, 1], guests.Select(g => g.GetProperty("version").GetInt64()));
        Assert.Equal("1-2", guests.Single(g => g.GetProperty("guest").GetString() == "g1").GetProperty("apcb").GetProperty("apm").GetString());
    }

    [Fact]
    public async Task Should_bring_every_guest_every_update_of_a_per_queue_mode_scan_larger_than_one_write()
    {
        // One mdev per domain holding every adapter: each probe plugs one adapter into one guest, 1,280 updates in one transaction.
        const int adapters = 64, domains = 20;
        using var api = new VfioApi(stack.Client(stack.VfioAp), VfioApi.NewHost());
        await VfioApi.SucceedsAsync(api.DefineAsync("per-queue"));
        foreach (var d in Enumerable.Range(0, domains))
        {
            await VfioApi.SucceedsAsync(api.CreateMdevAsync($"m{d}"));
            await VfioApi.SucceedsAsync(api.SetMatrixAsync($"m{d}", $"0-{adapters - 1}", $"{d}", ""));
            await VfioApi.SucceedsAsync(api.AttachAsync($"m{d}", $"g{d}"));
        }
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        var scan = BusEventGroups.Group(BusEventSender.Scan(HostOf(api), 1, $"0-{adapters - 1}", $"0-{domains - 1}", ""));

        await bus.PublishAsync(scan);
        await api.UntilAsync(h => h.GetProperty("lastSequence").GetInt64() == scan[^1].Sequence && h.GetProperty("unacknowledgedUpdates").GetInt32() == 0,
            "the scan applied and every guest update acknowledged");

        var guests = (await api.GuestsAsync()).EnumerateArray().ToList();
        Assert.Equal(domains, guests.Count);
        Assert.All(guests, g =>
        {
            Assert.Equal(adapters, g.GetProperty("version").GetInt64());
            Assert.Equal($"0-{adapters - 1}", g.GetProperty("apcb").GetProperty("apm").GetString());
        });
    }

    [Fact]
    public async Task Should_park_grouped_events_that_arrive_early_and_apply_them_in_sequence()
    {
        using var perQueue = await HostWithGuestsAsync();
        using var grouped = await HostWithGuestsAsync();
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        var events = ScanThenUnbind(HostOf(perQueue));
        var groups = BusEventGroups.Group(ScanThenUnbind(HostOf(grouped)));

        await bus.PublishAsync(events);
        await bus.PublishAsync(groups.Where((_, i) => i != 1).OrderBy(_ => Random.Shared.Next()));
        await grouped.UntilAsync(h => h.GetProperty("lastSequence").GetInt64() == 1 && h.GetProperty("pendingEvents").GetInt32() == groups.Count - 2,
            "config changed applied and every later grouped event parked behind the missing one");
        await bus.PublishAsync(groups[1]);
        await perQueue.UntilAppliedAsync(events.Count);
        var shown = await grouped.UntilAppliedAsync(groups.Count);

        Assert.Equal(4, groups.Count);
        Assert.Equal(0, shown.GetProperty("pendingEvents").GetInt32());
        Assert.Equal(12, shown.GetProperty("boundQueues").GetInt32());
        Assert.Equal(await OutcomeAsync(perQueue), await OutcomeAsync(grouped));
    }

    [Fact]
    public async Task Should_put_a_grouped_event_with_a_bad_apqn_alone_in_the_error_queue()
    {
        using var api = await HostWithGuestsAsync();
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        var host = HostOf(api);
        var groups = BusEventGroups.Group(BusEventSender.Scan(host, 1, "0-3", "0-3", "0-3"));
        var good = (QueuesProbed)groups[1];
        // Its twin in the sequence, sent first: had it been taken, adapter 3 would have no queue bound, not four.
        var bad = good with { Runs = [.. good.Runs.Take(3), new ProbedRun("03.0000", "zz", BoundDriver.VfioAp)] };

        await bus.PublishAsync(bad);
        await bus.PublishAsync(groups);
        var shown = await api.UntilAppliedAsync(groups.Count);

        Assert.Equal(16, shown.GetProperty("boundQueues").GetInt32());
        var faulted = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            faulted.AddRange(await bus.DrainLaneErrorsAsync(stack.QueuePrefix));
            return faulted.Any(body => body.Contains(host));
        }, "the bad grouped event in its lane's _error queue");
        var body = Assert.Single(faulted, b => b.Contains(host));
        Assert.Contains("\"zz\"", body);
        Assert.Equal(good.Sequence, JsonDocument.Parse(body).RootElement.GetProperty("message").GetProperty("sequence").GetInt64());
    }
}
