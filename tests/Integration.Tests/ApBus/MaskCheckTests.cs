using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.ApBus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Apmatrix.Integration.Tests.ApBus;

[Collection("stack")]
public class A_mask_change_of_a_grouped_host(StackFixture stack)
{
    [Fact]
    public async Task Should_tell_vfio_ap_the_last_message_s_sequence_and_send_the_moves_of_each_kind_as_one_message()
    {
        var checks = new ConcurrentQueue<JsonElement>();
        await using var vfioAp = await AllowingVfioApAsync(checks);
        var app = await stack.StartOwnAsync(ApBusApp.Build, "apbus", "maskcheck", builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Services:VfioAp"] = vfioAp.Urls.First() }));
        try
        {
            var host = BusEvents.NewHost();
            await using var tap = await ExchangeTap.OpenAsync(stack.Servers, BusEvents.Contracts);
            using var bus = new BusApi(stack.Client(new Uri(app.Urls.First())), host);
            Assert.Equal(3, await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "" })));

            Assert.Equal(6, await BusApi.LastSequenceAsync(bus.MasksAsync("5", "4-5")));
            Assert.Equal(9, await BusApi.LastSequenceAsync(bus.MasksAsync("5", "4")));

            Assert.Equal([3, 6], checks.Select(check => check.GetProperty("lastSequence").GetInt64()));
            var moves = (await tap.EventsAsync(host, 9)).Skip(3).ToList();
            Assert.Equal([4, 5, 6, 7, 8, 9], moves.Select(e => e.Sequence));
            Assert.Equal(["BusMasksChanged", "QueuesRemoved", "QueuesProbed", "BusMasksChanged", "QueuesRemoved", "QueuesProbed"], moves.Select(e => e.Type));
            Assert.Equal([[], ["05.0004", "05.0005"], ["05.0004", "05.0005"], [], ["05.0005"], ["05.0005"]], moves.Select(e => e.Queues));
            Assert.Equal(["Default", "VfioAp"],
                new[] { moves[2], moves[5] }.SelectMany(e => e.Message.GetProperty("runs").EnumerateArray()).Select(q => q.GetProperty("driver").GetString()));
            Assert.All(moves, e => Assert.Null(e.ScanId));
            Assert.Equal(9, (await bus.SnapshotAsync()).GetProperty("lastSequence").GetInt64());
        }
        finally
        {
            await app.ShutDownAsync();
        }
    }

    [Fact]
    public async Task Should_refuse_as_busy_only_on_a_veto_and_ask_again_later_on_any_other_conflict()
    {
        var answer = "contention";
        await using var vfioAp = await StandInAsync(_ => Task.FromResult<IResult>(
            TypedResults.Problem(statusCode: 409, extensions: new Dictionary<string, object?> { ["kind"] = answer })));
        var app = await stack.StartOwnAsync(ApBusApp.Build, "apbus", "maskconflict", builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Services:VfioAp"] = vfioAp.Urls.First() }));
        try
        {
            using var bus = new BusApi(stack.Client(new Uri(app.Urls.First())), BusEvents.NewHost());
            Assert.Equal(3, await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "" })));

            Assert.Equal("unavailable", await BusApi.ProblemKindAsync(bus.MasksAsync("5", "4"), HttpStatusCode.ServiceUnavailable));
            answer = "busy";
            Assert.Equal("busy", await BusApi.ProblemKindAsync(bus.MasksAsync("5", "4"), HttpStatusCode.Conflict));

            var snapshot = await bus.SnapshotAsync();
            Assert.Equal(3, snapshot.GetProperty("lastSequence").GetInt64());
            Assert.Equal("", snapshot.GetProperty("masks").GetProperty("apmask").GetString());
        }
        finally
        {
            await app.ShutDownAsync();
        }
    }

    [Fact]
    public async Task Should_make_a_snapshot_read_wait_for_a_definition_whose_first_masks_are_being_checked()
    {
        var asked = new TaskCompletionSource();
        var answer = new TaskCompletionSource();
        await using var vfioAp = await StandInAsync(async _ =>
        {
            asked.TrySetResult();
            await answer.Task;
            return TypedResults.NoContent();
        });
        var app = await stack.StartOwnAsync(ApBusApp.Build, "apbus", "definewait", builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Services:VfioAp"] = vfioAp.Urls.First() }));
        try
        {
            using var bus = new BusApi(stack.Client(new Uri(app.Urls.First())), BusEvents.NewHost());
            var define = bus.DefineAsync(new { apm = "4", aqm = "4", adm = "", apmask = "5", aqmask = "5" });
            await asked.Task.WaitAsync(TimeSpan.FromSeconds(30));

            // VfioAp reads the snapshot to tell a change never made from one under way: it must not see "no host" meanwhile.
            var snapshot = bus.SnapshotAsync();
            await Task.Delay(300);
            Assert.False(snapshot.IsCompleted);
            answer.SetResult();

            Assert.Equal(4, await BusApi.LastSequenceAsync(define));
            Assert.Equal(4, (await snapshot).GetProperty("lastSequence").GetInt64());
        }
        finally
        {
            answer.TrySetResult();
            await app.ShutDownAsync();
        }
    }

    /// <summary>Stands in for VfioAp's veto: allows every mask change and keeps the checks ApBus sent, in their order.</summary>
    static Task<WebApplication> AllowingVfioApAsync(ConcurrentQueue<JsonElement> checks) => StandInAsync(check =>
    {
        checks.Enqueue(check);
        return Task.FromResult<IResult>(TypedResults.NoContent());
    });

    /// <summary>Stands in for VfioAp's mask check, answering each check with <paramref name="answer"/>.</summary>
    static async Task<WebApplication> StandInAsync(Func<JsonElement, Task<IResult>> answer)
    {
        var builder = WebApplication.CreateBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapPost("/hosts/{host}/mask-check", async (HttpRequest request) => await answer(await request.ReadFromJsonAsync<JsonElement>()));
        app.MapDelete("/hosts/{host}/mask-check/{reservation}", () => TypedResults.NoContent());
        await app.StartAsync();
        return app;
    }
}
