using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.Contracts;
using Apmatrix.Hosting;
using Apmatrix.Integration.Tests.VfioAp;

namespace Apmatrix.Integration.Tests.DeadLetters;

/// <summary>
/// The services show their dead letters without taking them, and an operator re-drives them to the queue they came
/// from: a bus event re-driven to its lane un-stalls its host.
/// </summary>
[Collection("stack")]
public class Dead_letters(StackFixture stack)
{
    [Fact]
    public async Task Should_show_a_poison_bus_event_in_its_lanes_error_queue_and_keep_it_there()
    {
        var host = VfioApi.NewHost();
        using var api = new DeadLetterApi(stack.Client(stack.VfioAp));
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);

        var lane = await api.LaneErrorOfAsync(bus, stack.QueuePrefix, host);

        var counts = await api.CountsAsync();
        Assert.Equal(1, counts[lane]);
        Assert.Contains($"{stack.QueuePrefix}apcbs-applied_error", counts.Keys);
        Assert.Contains(lane.Replace("_error", "_skipped"), counts.Keys);
        Assert.Equal(BusEventLanes.DefaultCount * 2 + 2, counts.Count);
        var first = await api.PeekedAsync(lane);
        Assert.Equal(1, first.GetProperty("messages").GetInt64());
        var message = Assert.Single(first.GetProperty("oldest").EnumerateArray());
        Assert.Equal(host, message.GetProperty("hostId").GetString());
        Assert.Equal("fault", message.GetProperty("reason").GetString());
        Assert.False(string.IsNullOrEmpty(message.GetProperty("exceptionType").GetString()));
        Assert.False(string.IsNullOrEmpty(message.GetProperty("faultMessage").GetString()));
        Assert.EndsWith(lane[..^DeadLetterQueues.Error.Length], message.GetProperty("inputAddress").GetString());
        Assert.Equal(lane[..^DeadLetterQueues.Error.Length], message.GetProperty("queue").GetString());
        Assert.Equal("apbus", message.GetProperty("publisher").GetString());
        Assert.Contains("urn:message:Apmatrix.Contracts:QueueProbed", message.GetProperty("messageTypes").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("zz", message.GetProperty("body").GetProperty("message").GetProperty("apqn").GetString());

        var again = await api.PeekedAsync(lane);
        Assert.Equal(message.GetProperty("messageId").GetString(), Assert.Single(again.GetProperty("oldest").EnumerateArray()).GetProperty("messageId").GetString());
        Assert.Equal(1, (await api.CountsAsync())[lane]);
        await bus.DrainLaneErrorsAsync(stack.QueuePrefix);
    }

    [Fact]
    public async Task Should_show_the_oldest_messages_in_order_and_leave_them_in_order()
    {
        var host = VfioApi.NewHost();
        using var api = new DeadLetterApi(stack.Client(stack.VfioAp));
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        await using var errors = await ErrorQueueWriter.OpenAsync(stack.Servers);
        var lane = await api.LaneErrorOfAsync(bus, stack.QueuePrefix, host);
        await bus.DrainAsync(lane);

        var scan = BusEventSender.Scan(host, 1, "1", "0-4", "");
        foreach (var e in scan) await errors.FaultAsync(lane, e, "apbus");

        var sequences = scan.Select(e => e.Sequence).ToList();
        var firstThree = await api.PeekedAsync(lane, "3");
        Assert.Equal(scan.Count, firstThree.GetProperty("messages").GetInt64());
        Assert.Equal(sequences.Take(3), Sequences(firstThree));
        Assert.Equal(sequences, Sequences(await api.PeekedAsync(lane, "100")));
        Assert.Equal(sequences, Sequences(await api.PeekedAsync(lane, "100")));
        await bus.DrainAsync(lane);
    }

    [Fact]
    public async Task Should_unstall_a_host_when_its_dead_lettered_event_is_redriven_to_its_lane()
    {
        await using var stalled = await StalledHost.StallAsync(stack);
        var (api, vfio, lane) = (stalled.Api, stalled.Vfio, stalled.Lane);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(2, (await vfio.GetAsync()).GetProperty("lastSequence").GetInt64());

        using var redriven = await api.RedriveAsync(lane, new { count = 1 });
        Assert.True(redriven.IsSuccessStatusCode, await redriven.Content.ReadAsStringAsync());
        var outcome = await redriven.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(lane, outcome.GetProperty("queue").GetString());
        Assert.Equal(1, outcome.GetProperty("moved").GetInt32());
        Assert.True(0 == outcome.GetProperty("remaining").GetInt64(), (await api.PeekedAsync(lane)).ToString());

        var shown = await vfio.UntilAppliedAsync(4);
        Assert.Equal(4, shown.GetProperty("lastSequence").GetInt64());
        Assert.Equal(2, shown.GetProperty("boundQueues").GetInt32());
        var lanes = BusEventLanes.Queues(stack.QueuePrefix, DeadLetterQueues.Error).ToHashSet();
        Assert.All((await api.CountsAsync()).Where(q => lanes.Contains(q.Key)), q => Assert.True(q.Value == 0, $"{q.Key} holds {q.Value}"));
    }

    [Fact]
    public async Task Should_keep_a_redriven_events_publisher_when_it_faults_again()
    {
        var host = VfioApi.NewHost();
        using var api = new DeadLetterApi(stack.Client(stack.VfioAp));
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        var lane = await api.LaneErrorOfAsync(bus, stack.QueuePrefix, host);

        // Still poison after each re-drive: it faults on its content again, never on who published it.
        for (var round = 1; round <= 2; round++)
        {
            var outcome = await (await api.RedriveAsync(lane, null)).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(1, outcome.GetProperty("moved").GetInt32());
            var back = await Eventually.ReadAsync(() => api.PeekedAsync(lane), p => p.GetProperty("messages").GetInt64() == 1, $"the poison back in _error ({round})");
            var message = Assert.Single(back.GetProperty("oldest").EnumerateArray());
            Assert.Equal("apbus", message.GetProperty("publisher").GetString());
            Assert.DoesNotContain("may publish", message.GetProperty("faultMessage").GetString());
        }
        await bus.DrainLaneErrorsAsync(stack.QueuePrefix);
    }

    [Fact]
    public async Task Should_not_obey_a_redriven_event_whose_publisher_was_never_validated()
    {
        var host = VfioApi.NewHost();
        using var api = new DeadLetterApi(stack.Client(stack.VfioAp));
        using var vfio = new VfioApi(stack.Client(stack.VfioAp), host);
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        await using var errors = await ErrorQueueWriter.OpenAsync(stack.Servers);
        var lane = await api.LaneErrorOfAsync(bus, stack.QueuePrefix, host);
        await bus.DrainAsync(lane);

        var scan = BusEventSender.Scan(host, 1, "", "", "");
        await errors.FaultAsync(lane, scan[0], publisher: null);
        var outcome = await (await api.RedriveAsync(lane, null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, outcome.GetProperty("moved").GetInt32());

        var back = await Eventually.ReadAsync(() => api.PeekedAsync(lane), p => p.GetProperty("messages").GetInt64() == 1, "the forged event back in _error");
        var message = Assert.Single(back.GetProperty("oldest").EnumerateArray());
        Assert.Contains("without the validated first publisher a re-drive records; only 'apbus' may publish", message.GetProperty("faultMessage").GetString());
        using var unknown = await stack.Client(stack.VfioAp).GetAsync(vfio.Host);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await bus.DrainAsync(lane);
    }

    [Fact]
    public async Task Should_refuse_another_services_queue_a_bad_count_and_a_viewers_redrive()
    {
        using var vfio = new DeadLetterApi(stack.Client(stack.VfioAp));
        using var guest = new DeadLetterApi(stack.Client(stack.GuestVm));
        var ours = $"{stack.QueuePrefix}bus-events-0_error";
        var guests = $"{stack.QueuePrefix}apply-apcbs_error";

        Assert.Equal(new[] { guests, $"{stack.QueuePrefix}apply-apcbs_skipped" }, (await guest.CountsAsync()).Keys.Order());
        Assert.Equal("not-found", await VfioApi.ProblemKindAsync(vfio.PeekAsync(guests), HttpStatusCode.NotFound));
        Assert.Equal("not-found", await VfioApi.ProblemKindAsync(guest.RedriveAsync(ours, new { count = 1 }), HttpStatusCode.NotFound));
        Assert.Equal("not-found", await VfioApi.ProblemKindAsync(vfio.PeekAsync($"{stack.QueuePrefix}bus-events-0"), HttpStatusCode.NotFound));
        foreach (var count in new[] { "0", "-1", "x", "101", "99999999999" })
            Assert.Equal(new[] { "count" }, await VfioApi.InvalidFieldsAsync(vfio.PeekAsync(ours, count)));
        foreach (var count in new object[] { 0, -3, 10_001, "x" })
            Assert.Equal(new[] { "count" }, await VfioApi.InvalidFieldsAsync(vfio.RedriveAsync(ours, new { count })));

        using var viewer = new DeadLetterApi(stack.Client(stack.VfioAp, stack.ViewerKey));
        Assert.NotEmpty(await viewer.CountsAsync());
        Assert.Equal(ours, (await viewer.PeekedAsync(ours)).GetProperty("queue").GetString());
        Assert.Equal("forbidden", await VfioApi.ProblemKindAsync(viewer.RedriveAsync(ours, new { count = 1 }), HttpStatusCode.Forbidden));
        using var anonymous = new DeadLetterApi(stack.Client(stack.VfioAp, null));
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.ListAsync()).StatusCode);
    }

    [Fact]
    public async Task Should_have_made_its_dead_letter_queues_at_start_so_a_read_never_asks_for_one_not_there()
    {
        await using var admin = await RawBroker.OpenAsync(stack.Servers, Publishers.User(stack.Servers.RabbitMq));
        foreach (var service in new[] { stack.VfioAp, stack.GuestVm })
        {
            using var api = new DeadLetterApi(stack.Client(service));
            var queues = (await api.CountsAsync()).Keys.Where(q => q.EndsWith(DeadLetterQueues.Error) || q.EndsWith(DeadLetterQueues.Skipped)).ToList();

            Assert.NotEmpty(queues);
            foreach (var queue in queues)
                await Eventually.TrueAsync(() => admin.ExistsAsync(queue), $"{queue} made");
        }
    }

    static IEnumerable<long> Sequences(JsonElement peeked) =>
        peeked.GetProperty("oldest").EnumerateArray().Select(m => m.GetProperty("body").GetProperty("message").GetProperty("sequence").GetInt64());
}
