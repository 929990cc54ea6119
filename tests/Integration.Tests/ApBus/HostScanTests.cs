using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.ApModel;

namespace Apmatrix.Integration.Tests.ApBus;

static class BusEvents
{
    public static readonly string[] Contracts =
        ["ConfigChanged", "QueueProbed", "QueueRemoved", "QueuesProbed", "QueuesRemoved", "ScanComplete", "BusMasksChanged"];

    public static string NewHost() => $"it-bus-{Guid.NewGuid():N}";

    public static string Hex(string rangeList) => Bitmap256.ParseRangeList(rangeList).ToMsb0Hex();
}

[Collection("stack")]
public class Defining_a_host(StackFixture stack)
{
    [Fact]
    public async Task Should_scan_from_the_empty_configuration_one_message_per_queue_in_the_per_queue_form()
    {
        var host = BusEvents.NewHost();
        await using var tap = await ExchangeTap.OpenAsync(stack.Servers, BusEvents.Contracts);
        using var bus = new BusApi(stack.Client(stack.ApBus), host);

        using (var defined = await bus.DefineAsync(new { apm = "4-5", aqm = "0x0c", adm = "4", eventForm = "per-queue" }))
            Assert.Equal(HttpStatusCode.Created, defined.StatusCode);

        var events = await tap.EventsAsync(host, 6);
        Assert.Equal([1, 2, 3, 4, 5, 6], events.Select(e => e.Sequence));
        Assert.Equal(["ConfigChanged", "QueueProbed", "QueueProbed", "QueueProbed", "QueueProbed", "ScanComplete"], events.Select(e => e.Type));
        Assert.Equal(["04.0004", "04.0005", "05.0004", "05.0005"], events.Skip(1).Take(4).Select(e => e.Apqn));
        var scan = Assert.Single(events.Select(e => e.ScanId).Distinct());
        Assert.NotNull(scan);
        var changed = events[0].Message;
        Assert.Equal(BusEvents.Hex(""), changed.GetProperty("previous").GetProperty("apm").GetString());
        Assert.Equal(BusEvents.Hex("4-5"), changed.GetProperty("current").GetProperty("apm").GetString());

        var shown = await bus.GetAsync();
        Assert.Equal(4, shown.GetProperty("queueDevices").GetInt32());
        Assert.Equal(6, shown.GetProperty("lastSequence").GetInt64());
        Assert.Equal("4-5", shown.GetProperty("config").GetProperty("aqm").GetString());
        Assert.Equal("per-queue", shown.GetProperty("eventForm").GetString());
    }

    [Fact]
    public async Task Should_scan_from_the_empty_configuration_in_one_message_of_apqn_runs_by_default()
    {
        var host = BusEvents.NewHost();
        await using var tap = await ExchangeTap.OpenAsync(stack.Servers, BusEvents.Contracts);
        using var bus = new BusApi(stack.Client(stack.ApBus), host);

        Assert.Equal(3, await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "1,7,9", aqm = "200,3-4", adm = "4" })));

        var events = await tap.EventsAsync(host, 3);
        Assert.Equal([1, 2, 3], events.Select(e => e.Sequence));
        Assert.Equal(["ConfigChanged", "QueuesProbed", "ScanComplete"], events.Select(e => e.Type));
        Assert.Equal(new[] { 1, 7, 9 }.SelectMany(adapter => new[] { 3, 4, 200 }.Select(domain => new Apqn(adapter, domain).ToString())), events[1].Queues);
        Assert.Equal(["01.0003-01.0004", "01.00c8-01.00c8", "07.0003-07.0004", "07.00c8-07.00c8", "09.0003-09.0004", "09.00c8-09.00c8"],
            events[1].Message.GetProperty("runs").EnumerateArray().Select(r => $"{r.GetProperty("first").GetString()}-{r.GetProperty("last").GetString()}"));
        Assert.All(events[1].Message.GetProperty("runs").EnumerateArray(), r => Assert.Equal("VfioAp", r.GetProperty("driver").GetString()));
        Assert.NotNull(Assert.Single(events.Select(e => e.ScanId).Distinct()));

        var shown = await bus.GetAsync();
        Assert.Equal(9, shown.GetProperty("queueDevices").GetInt32());
        Assert.Equal(3, shown.GetProperty("lastSequence").GetInt64());
        Assert.Equal("grouped", shown.GetProperty("eventForm").GetString());
    }

    [Fact]
    public async Task Should_take_the_same_definition_again_as_made_and_refuse_another()
    {
        using var bus = new BusApi(stack.Client(stack.ApBus), BusEvents.NewHost());
        var definition = new { apm = "4", aqm = "4-5", adm = "", apmask = "9", aqmask = "9", eventForm = "per-queue" };
        using (var first = await bus.DefineAsync(definition)) Assert.Equal(HttpStatusCode.Created, first.StatusCode);

        // A client that lost the answer asks again: told it is made, and nothing more is sent.
        using (var again = await bus.DefineAsync(definition)) Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(5, await BusApi.LastSequenceAsync(bus.DefineAsync(definition)));

        Assert.Equal("exists", await BusApi.ProblemKindAsync(bus.DefineAsync(definition with { aqm = "4" }), HttpStatusCode.Conflict));
        Assert.Equal("exists", await BusApi.ProblemKindAsync(bus.DefineAsync(definition with { eventForm = "grouped" }), HttpStatusCode.Conflict));
        Assert.Equal("exists", await BusApi.ProblemKindAsync(bus.DefineAsync(definition with { apmask = "" }), HttpStatusCode.Conflict));
        Assert.Equal(5, (await bus.SnapshotAsync()).GetProperty("lastSequence").GetInt64());
    }

    [Fact]
    public async Task Should_define_a_host_once_when_many_define_it_at_once()
    {
        var host = BusEvents.NewHost();
        await using var tap = await ExchangeTap.OpenAsync(stack.Servers, BusEvents.Contracts);
        using var bus = new BusApi(stack.Client(stack.ApBus), host);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => bus.DefineAsync(new { apm = "1", aqm = "1", adm = "" })));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        Assert.Equal(7, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Equal(["ConfigChanged", "QueuesProbed", "ScanComplete"], (await tap.EventsAsync(host, 3)).Select(e => e.Type));
        Assert.Equal(3, (await bus.SnapshotAsync()).GetProperty("lastSequence").GetInt64());
    }
}

[Collection("stack")]
public class Changing_a_host_configuration(StackFixture stack)
{
    [Fact]
    public async Task Should_number_every_event_on_from_the_last()
    {
        var host = BusEvents.NewHost();
        await using var tap = await ExchangeTap.OpenAsync(stack.Servers, BusEvents.Contracts);
        using var bus = new BusApi(stack.Client(stack.ApBus), host);
        await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "4", eventForm = "per-queue" }));

        Assert.Equal(12, await BusApi.LastSequenceAsync(bus.ConfigAsync("4,6", "4-5", "4")));

        var scan = (await tap.EventsAsync(host, 12)).Skip(6).ToList();
        Assert.Equal(["ConfigChanged", "QueueRemoved", "QueueRemoved", "QueueProbed", "QueueProbed", "ScanComplete"], scan.Select(e => e.Type));
        Assert.Equal(["05.0004", "05.0005", "06.0004", "06.0005"], scan.Skip(1).Take(4).Select(e => e.Apqn));
        Assert.Single(scan.Select(e => e.ScanId).Distinct());
        Assert.Equal(7, scan[0].Sequence);
    }

    [Fact]
    public async Task Should_number_a_scan_s_removals_and_probes_as_one_message_each_on_from_the_last_when_grouped()
    {
        var host = BusEvents.NewHost();
        await using var tap = await ExchangeTap.OpenAsync(stack.Servers, BusEvents.Contracts);
        using var bus = new BusApi(stack.Client(stack.ApBus), host);
        Assert.Equal(3, await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "4", eventForm = "grouped" })));

        Assert.Equal(7, await BusApi.LastSequenceAsync(bus.ConfigAsync("4,6", "4-5", "4")));

        var scan = (await tap.EventsAsync(host, 7)).Skip(3).ToList();
        Assert.Equal([4, 5, 6, 7], scan.Select(e => e.Sequence));
        Assert.Equal(["ConfigChanged", "QueuesRemoved", "QueuesProbed", "ScanComplete"], scan.Select(e => e.Type));
        Assert.Equal(["05.0004", "05.0005"], scan[1].Queues);
        Assert.Equal(["06.0004", "06.0005"], scan[2].Queues);
        Assert.All(scan[1].Message.GetProperty("runs").EnumerateArray(), q => Assert.Equal("ConfigRemoved", q.GetProperty("reason").GetString()));
        Assert.Single(scan.Select(e => e.ScanId).Distinct());
    }

    [Fact]
    public async Task Should_carry_the_window_scan_id_to_explicit_probes_and_removals()
    {
        var host = BusEvents.NewHost();
        await using var tap = await ExchangeTap.OpenAsync(stack.Servers, BusEvents.Contracts);
        using var bus = new BusApi(stack.Client(stack.ApBus), host);
        await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "4", eventForm = "per-queue" }));

        Assert.Equal(7, await BusApi.LastSequenceAsync(bus.ConfigChangedAsync("4-6", "4-5", "4")));
        var window = (await bus.GetAsync()).GetProperty("openScanId").GetGuid();
        Assert.Equal(8, await BusApi.LastSequenceAsync(bus.ProbeAsync("06.0004")));
        Assert.Equal(8, await BusApi.LastSequenceAsync(bus.ProbeAsync("06.0004")));
        Assert.Equal(9, await BusApi.LastSequenceAsync(bus.RemoveAsync("05.0005")));
        Assert.Equal("not-found", await BusApi.ProblemKindAsync(bus.RemoveAsync("07.0004"), HttpStatusCode.NotFound));
        Assert.Equal(10, await BusApi.LastSequenceAsync(bus.ScanCompleteAsync()));

        var events = (await tap.EventsAsync(host, 10)).Skip(6).ToList();
        Assert.Equal(["ConfigChanged", "QueueProbed", "QueueRemoved", "ScanComplete"], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal(window, e.ScanId));
        Assert.Equal("Unbind", events[2].Message.GetProperty("reason").GetString());
        var shown = await bus.GetAsync();
        Assert.Equal(JsonValueKind.Null, shown.GetProperty("openScanId").ValueKind);
        Assert.Equal(4, shown.GetProperty("queueDevices").GetInt32());
    }

    [Fact]
    public async Task Should_group_each_request_of_a_window_on_its_own()
    {
        var host = BusEvents.NewHost();
        await using var tap = await ExchangeTap.OpenAsync(stack.Servers, BusEvents.Contracts);
        using var bus = new BusApi(stack.Client(stack.ApBus), host);
        Assert.Equal(3, await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "4" })));

        Assert.Equal(4, await BusApi.LastSequenceAsync(bus.ConfigChangedAsync("4,6", "4-5", "4")));
        Assert.Equal(5, await BusApi.LastSequenceAsync(bus.ProbeAsync("06.0004")));
        Assert.Equal(6, await BusApi.LastSequenceAsync(bus.ProbeAsync("06.0005")));
        Assert.Equal(7, await BusApi.LastSequenceAsync(bus.RemoveAsync("05.0004")));
        Assert.Equal(8, await BusApi.LastSequenceAsync(bus.RemoveAsync("05.0005")));
        Assert.Equal(9, await BusApi.LastSequenceAsync(bus.ScanCompleteAsync()));

        var window = (await tap.EventsAsync(host, 9)).Skip(3).ToList();
        Assert.Equal(["ConfigChanged", "QueuesProbed", "QueuesProbed", "QueuesRemoved", "QueuesRemoved", "ScanComplete"], window.Select(e => e.Type));
        Assert.Equal([["06.0004"], ["06.0005"], ["05.0004"], ["05.0005"]], window.Skip(1).Take(4).Select(e => e.Queues));
        Assert.Single(window.Select(e => e.ScanId).Distinct());
        Assert.Equal(9, (await bus.GetAsync()).GetProperty("lastSequence").GetInt64());
    }

    [Fact]
    public async Task Should_refuse_a_queue_or_a_configuration_above_the_host_s_maximum_ids_and_publish_nothing()
    {
        var host = BusEvents.NewHost();
        using var bus = new BusApi(stack.Client(stack.ApBus), host);
        Assert.Equal(3, await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "4", maxAdapter = 63, maxDomain = 15 })));

        using var refused = await bus.ProbeAsync("40.0004");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("out-of-range", problem.GetProperty("kind").GetString());
        Assert.Contains("40.0004 is above the host's maximum ids (adapter 63, domain 15)", problem.GetProperty("detail").GetString());
        Assert.Equal("out-of-range", await BusApi.ProblemKindAsync(bus.ProbeAsync("04.0010"), HttpStatusCode.BadRequest));
        Assert.Equal("out-of-range", await BusApi.ProblemKindAsync(bus.RemoveAsync("3f.0010"), HttpStatusCode.BadRequest));
        Assert.Equal("out-of-range", await BusApi.ProblemKindAsync(bus.ConfigAsync("4-5,64", "4-5", "4"), HttpStatusCode.BadRequest));
        Assert.Equal("out-of-range", await BusApi.ProblemKindAsync(bus.ConfigChangedAsync("4-5", "4-5", "4,16"), HttpStatusCode.BadRequest));
        // Every mask above the maxima at once, in a change and in a definition.
        using var twice = await bus.ConfigAsync("4-5,64-65", "4-5", "4,16");
        Assert.Equal("apm: adapters 64-65 are above the host's maximum adapter 63; adm: control domain 16 is above the host's maximum domain 15",
            (await twice.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        using var other = new BusApi(stack.Client(stack.ApBus), BusEvents.NewHost());
        using var undefined = await other.DefineAsync(new { apm = "4,70", aqm = "4", adm = "20", maxAdapter = 63, maxDomain = 15 });
        Assert.Equal(HttpStatusCode.BadRequest, undefined.StatusCode);
        Assert.Equal(["adm", "apm"], (await undefined.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());

        Assert.Equal(4, await BusApi.LastSequenceAsync(bus.ProbeAsync("3f.000f")));
        var shown = await bus.GetAsync();
        Assert.Equal(4, shown.GetProperty("lastSequence").GetInt64());
        Assert.Equal(5, shown.GetProperty("queueDevices").GetInt32());
    }

    [Fact]
    public async Task Should_answer_not_found_for_an_unknown_host()
    {
        using var bus = new BusApi(stack.Client(stack.ApBus), BusEvents.NewHost());
        Assert.Equal("not-found", await BusApi.ProblemKindAsync(bus.ConfigAsync("1", "1", ""), HttpStatusCode.NotFound));
        using var http = stack.Client(stack.ApBus);
        Assert.Equal("not-found", await BusApi.ProblemKindAsync(http.GetAsync(bus.Host), HttpStatusCode.NotFound));
    }
}

[Collection("stack")]
public class Changing_the_bus_masks(StackFixture stack)
{
    [Fact]
    public async Task Should_ask_vfio_ap_and_then_move_the_queues_outside_any_scan()
    {
        var host = BusEvents.NewHost();
        await using var tap = await ExchangeTap.OpenAsync(stack.Servers, BusEvents.Contracts);
        using var bus = new BusApi(stack.Client(stack.ApBus), host);
        using var vfioAp = stack.Client(stack.VfioAp);
        (await vfioAp.PutAsJsonAsync(bus.Host, new { mode = "batched" })).EnsureSuccessStatusCode();
        await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "4", eventForm = "per-queue" }));
        await Eventually.TrueAsync(async () => (await vfioAp.GetFromJsonAsync<JsonElement>(bus.Host)).GetProperty("lastSequence").GetInt64() == 6,
            "VfioAp to apply the host's first scan");
        (await vfioAp.PostAsJsonAsync($"{bus.Host}/mdevs", new { name = "m1" })).EnsureSuccessStatusCode();
        (await vfioAp.PostAsJsonAsync($"{bus.Host}/mdevs/m1/assign-adapter", new { id = 4 })).EnsureSuccessStatusCode();
        (await vfioAp.PostAsJsonAsync($"{bus.Host}/mdevs/m1/assign-domain", new { id = 5 })).EnsureSuccessStatusCode();

        using (var vetoed = await bus.MasksAsync("4", "5"))
        {
            Assert.Equal(HttpStatusCode.Conflict, vetoed.StatusCode);
            var problem = await vetoed.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(("busy", "Busy"), (problem.GetProperty("kind").GetString(), problem.GetProperty("title").GetString()));
            Assert.Equal(("04.0005", "m1"), (problem.GetProperty("apqn").GetString(), problem.GetProperty("mdev").GetString()));
        }
        Assert.Equal(11, await BusApi.LastSequenceAsync(bus.MasksAsync("5", "4-5")));
        Assert.Equal(11, await BusApi.LastSequenceAsync(bus.MasksAsync("0x04", "4-5")));

        var moves = (await tap.EventsAsync(host, 11)).Skip(6).ToList();
        Assert.Equal(["BusMasksChanged", "QueueRemoved", "QueueRemoved", "QueueProbed", "QueueProbed"], moves.Select(e => e.Type));
        Assert.Equal(["05.0004", "05.0005", "05.0004", "05.0005"], moves.Skip(1).Select(e => e.Apqn));
        Assert.All(moves, e => Assert.Null(e.ScanId));
        Assert.Equal(["VfioAp", "VfioAp", "Default", "Default"], moves.Skip(1).Select(e => e.Message.GetProperty("driver").GetString()));
        Assert.Equal(BusEvents.Hex("5"), moves[0].Message.GetProperty("apmask").GetString());
    }
}

[Collection("stack")]
public class Reading_a_host_s_snapshot(StackFixture stack)
{
    [Fact]
    public async Task Should_count_the_messages_of_the_host_s_form_and_fingerprint_only_its_state()
    {
        using var grouped = new BusApi(stack.Client(stack.ApBus), BusEvents.NewHost());
        using var perQueue = new BusApi(stack.Client(stack.ApBus), BusEvents.NewHost());
        // Masks, config changed, one message of runs (05.0005 reserved only starts a run), scan complete.
        Assert.Equal(4, await BusApi.LastSequenceAsync(grouped.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "4", apmask = "5", aqmask = "5" })));
        Assert.Equal(7, await BusApi.LastSequenceAsync(
            perQueue.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "4", apmask = "5", aqmask = "5", eventForm = "per-queue" })));

        Assert.Equal(7, await BusApi.LastSequenceAsync(grouped.ConfigAsync("4-6", "4-5", "4")));
        Assert.Equal(11, await BusApi.LastSequenceAsync(perQueue.ConfigAsync("4-6", "4-5", "4")));

        var (groupedSnapshot, perQueueSnapshot) = (await grouped.SnapshotAsync(), await perQueue.SnapshotAsync());
        Assert.Equal(7, groupedSnapshot.GetProperty("lastSequence").GetInt64());
        Assert.Equal(11, perQueueSnapshot.GetProperty("lastSequence").GetInt64());
        Assert.Equal("grouped", groupedSnapshot.GetProperty("eventForm").GetString());
        Assert.Equal("per-queue", perQueueSnapshot.GetProperty("eventForm").GetString());
        Assert.Equal(perQueueSnapshot.GetProperty("digest").GetString(), groupedSnapshot.GetProperty("digest").GetString());
        Assert.Equal(perQueueSnapshot.GetProperty("queues").ToString(), groupedSnapshot.GetProperty("queues").ToString());
    }

    [Fact]
    public async Task Should_name_the_configuration_and_the_event_an_open_window_began_with_and_none_once_it_closed()
    {
        using var bus = new BusApi(stack.Client(stack.ApBus), BusEvents.NewHost());
        await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "4-5", aqm = "4", adm = "4" }));
        Assert.Equal(JsonValueKind.Null, (await bus.SnapshotAsync()).GetProperty("previousConfig").ValueKind);

        var opened = await BusApi.LastSequenceAsync(bus.ConfigChangedAsync("4-6", "4", "4"));
        await BusApi.LastSequenceAsync(bus.ProbeAsync("06.0004"));

        var open = await bus.SnapshotAsync();
        Assert.True(open.GetProperty("scanOpen").GetBoolean());
        Assert.Equal(opened, open.GetProperty("windowSequence").GetInt64());
        Assert.Equal(("4-5", "4-6"), (open.GetProperty("previousConfig").GetProperty("apm").GetString(), open.GetProperty("config").GetProperty("apm").GetString()));
        await BusApi.LastSequenceAsync(bus.ScanCompleteAsync());
        var closed = await bus.SnapshotAsync();
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null), (closed.GetProperty("previousConfig").ValueKind, closed.GetProperty("windowSequence").ValueKind));
    }
}

[Collection("stack")]
public class A_bad_bus_request(StackFixture stack)
{
    [Theory]
    [InlineData("PUT", "", """{"apm":"4-x","aqm":"","adm":""}""", "apm")]
    [InlineData("PUT", "", """{"apm":"","aqm":"300","adm":""}""", "aqm")]
    [InlineData("PUT", "", """{"apm":"","aqm":"","adm":"0xzz"}""", "adm")]
    [InlineData("PUT", "", """{"apm":"","aqm":""}""", "adm")]
    [InlineData("PUT", "", """{"apm":"","aqm":"","adm":"","maxDomain":256}""", "maxDomain")]
    [InlineData("PUT", "", """{"apm":"","aqm":"","adm":"","maxAdapter":"many"}""", "maxAdapter")]
    [InlineData("PUT", "", """{"apm":"","aqm":"","adm":"","eventForm":"batched"}""", "eventForm")]
    [InlineData("PUT", "", """{"apm":"","aqm":"","adm":"","eventForm":""}""", "eventForm")]
    [InlineData("PUT", "", """{"apm":""", "body")]
    [InlineData("PUT", "/masks", """{"apmask":"1-"}""", "apmask")]
    [InlineData("PUT", "", """{"apm":"0-7","aqm":"0","adm":"","maxAdapter":3}""", "apm")]
    [InlineData("PUT", "", """{"apm":"0","aqm":"0","adm":"16","maxDomain":15}""", "adm")]
    [InlineData("POST", "/queues/5.4.3/probe", "", "apqn")]
    [InlineData("DELETE", "/queues/100.0001", "", "apqn")]
    public async Task Should_name_the_field(string method, string path, string body, string field)
    {
        using var http = stack.Client(stack.ApBus);
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/hosts/{BusEvents.NewHost()}{path}");
        if (body.Length > 0) request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }
}
