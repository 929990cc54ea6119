using Apmatrix.Contracts;
using Apmatrix.Scenarios.Stack;
using Npgsql;

namespace Apmatrix.Integration.Tests.VfioAp;

[Collection("stack")]
public class Applying_bus_events(StackFixture stack)
{
    const string ArrivedEarly = "apmatrix_vfioap_bus_events_arrived_early_total";

    [Fact]
    public async Task Should_apply_a_scan_once_whatever_the_order_and_repeats()
    {
        var host = VfioApi.NewHost();
        using var api = new VfioApi(stack.Client(stack.VfioAp), host);
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        await VfioApi.SucceedsAsync(api.DefineAsync("batched"));
        await api.MdevAsync("m1", [1, 2], [1, 2], guest: "g1");

        var scan = BusEventSender.Scan(host, 1, "0-3", "0-3", "0-3");
        await bus.PublishAsync(scan.OrderBy(_ => Random.Shared.Next()).Concat(scan.Take(9)));
        var shown = await api.UntilAppliedAsync(18);

        Assert.Equal(16, shown.GetProperty("boundQueues").GetInt32());
        Assert.Equal("0-3", shown.GetProperty("config").GetProperty("apm").GetString());
        var guest = Assert.Single((await api.GuestsAsync()).EnumerateArray());
        Assert.Equal(1, guest.GetProperty("version").GetInt64());
        Assert.Equal("1-2", guest.GetProperty("apcb").GetProperty("apm").GetString());

        await bus.PublishAsync(scan);
        await bus.PublishAsync(new QueueProbed(host, 19, null, "05.0001", BoundDriver.VfioAp));
        shown = await api.UntilAppliedAsync(19);
        Assert.Equal(0, shown.GetProperty("pendingEvents").GetInt32());
        Assert.Equal(17, shown.GetProperty("boundQueues").GetInt32());
        Assert.Equal(1, Assert.Single((await api.GuestsAsync()).EnumerateArray()).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Should_hold_an_early_event_until_the_gap_fills()
    {
        var host = VfioApi.NewHost();
        using var api = new VfioApi(stack.Client(stack.VfioAp), host);
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        var scan = BusEventSender.Scan(host, 1, "1", "1-2", "");
        using var metrics = stack.Client(stack.VfioAp);
        var earlyBefore = await MetricText.SumAsync(metrics, ArrivedEarly);

        await bus.PublishAsync(scan[0], scan[2]);
        await api.UntilAsync(h => h.GetProperty("lastSequence").GetInt64() == 1 && h.GetProperty("pendingEvents").GetInt32() == 1,
            "config changed applied and the early probe waiting");
        // At least one more: other tests' early events reach this VfioAp too.
        await Eventually.ReadAsync(() => MetricText.SumAsync(metrics, ArrivedEarly), early => early >= earlyBefore + 1, "VfioAp to count the early probe");
        // Scan complete, early too: once it waits beside the probe, a later transaction on the host has seen the probe and held it.
        await bus.PublishAsync(scan[3]);
        var shown = await api.UntilAsync(h => h.GetProperty("pendingEvents").GetInt32() != 1 || h.GetProperty("lastSequence").GetInt64() != 1,
            "scan complete taken");
        Assert.Equal(1, shown.GetProperty("lastSequence").GetInt64());
        Assert.Equal(0, shown.GetProperty("boundQueues").GetInt32());
        Assert.Equal(2, shown.GetProperty("pendingEvents").GetInt32());

        await bus.PublishAsync(scan[1]);
        shown = await api.UntilAppliedAsync(4);
        Assert.Equal(2, shown.GetProperty("boundQueues").GetInt32());
        Assert.Equal(0, shown.GetProperty("pendingEvents").GetInt32());
    }

    [Fact]
    public async Task Should_found_a_host_only_with_its_first_event()
    {
        var host = VfioApi.NewHost();
        using var api = new VfioApi(stack.Client(stack.VfioAp), host);
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        var scan = BusEventSender.Scan(host, 1, "1", "1-2", "");

        await bus.PublishAsync(scan.Skip(1));
        await Eventually.TrueAsync(async () => await ParkedAsync(host) == scan.Count - 1, "the later events parked");
        using (var unknown = await stack.Client(stack.VfioAp).GetAsync($"hosts/{host}"))
            Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);

        await bus.PublishAsync(scan[0]);
        var shown = await api.UntilAppliedAsync(scan.Count);
        Assert.Equal(2, shown.GetProperty("boundQueues").GetInt32());
        Assert.Equal(0, await ParkedAsync(host));
    }

    async Task<long> ParkedAsync(string host)
    {
        await using var db = new NpgsqlConnection(stack.Database("vfioap"));
        await db.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pending_bus_events WHERE host_id = @host", db);
        count.Parameters.AddWithValue("host", host);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Should_not_bind_a_queue_the_default_driver_probed()
    {
        var host = VfioApi.NewHost();
        using var api = new VfioApi(stack.Client(stack.VfioAp), host);
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        var scan = BusEventSender.Scan(host, 1, "1", "1-2", "");
        scan[2] = (QueueProbed)scan[2] with { Driver = BoundDriver.Default };

        await bus.PublishAsync(scan);

        Assert.Equal(1, (await api.UntilAppliedAsync(4)).GetProperty("boundQueues").GetInt32());
    }

    [Fact]
    public async Task Should_put_a_malformed_event_in_the_error_queue_and_go_on()
    {
        var host = VfioApi.NewHost();
        using var api = new VfioApi(stack.Client(stack.VfioAp), host);
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);

        await bus.SendRawAsync(nameof(QueueProbed), "{ not json");
        await bus.SendRawAsync(nameof(QueueProbed), $$$"""
            {"messageId":"{{{Guid.NewGuid()}}}","messageType":["urn:message:Apmatrix.Contracts:QueueProbed","urn:message:Apmatrix.Contracts:IBusEvent"],
             "message":{"hostId":"{{{host}}}","sequence":2,"apqn":"zz","driver":"VfioAp"}}
            """);
        await bus.PublishAsync(BusEventSender.Scan(host, 1, "", "", ""));

        await api.UntilAppliedAsync(2);
        var faulted = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            faulted.AddRange(await bus.DrainLaneErrorsAsync(stack.QueuePrefix));
            return faulted.Count(body => body.Contains("not json") || body.Contains(host)) >= 2;
        }, "both malformed events in the lanes' _error queues");
        Assert.Contains(faulted, body => body.Contains("{ not json"));
        Assert.Contains(faulted, body => body.Contains(host) && body.Contains("\"zz\""));
    }
}
