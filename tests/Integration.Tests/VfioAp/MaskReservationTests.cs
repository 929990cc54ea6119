using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Integration.Tests.ApBus;
using Apmatrix.ApBus;
using Apmatrix.VfioAp;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Apmatrix.Integration.Tests.VfioAp;

/// <summary>
/// ApBus changes a host's masks to reserve 04.0005 while an administrator assigns domain 5 to mdev m1, which holds
/// adapter 4: whichever VfioAp takes first under the host row wins, and the other is refused, however close they come.
/// </summary>
[Collection("stack")]
public class A_mask_change_racing_an_assignment(StackFixture stack)
{
    const int Hosts = 3;
    const int Rounds = 16;

    [Fact]
    public async Task Should_never_leave_an_mdev_holding_a_reserved_queue()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, Hosts).Select(_ => RaceAsync()));

        var all = outcomes.SelectMany(o => o).ToList();
        // Both orders happened, so the test raced rather than ran one way.
        Assert.Contains("masks", all);
        Assert.Contains("assignment", all);
    }

    async Task<List<string>> RaceAsync()
    {
        var host = BusEvents.NewHost();
        using var bus = new BusApi(stack.Client(stack.ApBus), host);
        using var vfio = new VfioApi(stack.Client(stack.VfioAp), host);
        using var http = stack.Client(stack.VfioAp);
        await vfio.UntilAppliedAsync(await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "" })));
        await vfio.MdevAsync("m1", [4], []);
        var winners = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            Task<HttpResponseMessage> masks, assignment;
            if (round % 2 == 0)
            {
                // Sent together, either a little ahead; the assignment up to 40 ms: the change has a hop more (ApBus, then
                // VfioAp's check), and with 8 ms the suite's busy machine once let it win all 24 of these rounds.
                var lead = Random.Shared.Next(-40, 9);
                Task<HttpResponseMessage>? early = lead < 0 ? vfio.AdminAsync("m1", "assign-domain", 5) : null;
                masks = bus.MasksAsync("4", "5");
                await Task.Delay(Math.Max(lead, 0));
                assignment = early ?? vfio.AdminAsync("m1", "assign-domain", 5);
            }
            else
            {
                // The moment the change is answered: before VfioAp applies it, its reservation alone holds the queue.
                masks = Task.FromResult(await bus.MasksAsync("4", "5"));
                assignment = vfio.AdminAsync("m1", "assign-domain", 5);
            }
            using var masked = await masks;
            using var assigned = await assignment;
            var story = $"host {host} round {round}: masks {(int)masked.StatusCode} {await masked.Content.ReadAsStringAsync()}, " +
                        $"assignment {(int)assigned.StatusCode} {await assigned.Content.ReadAsStringAsync()}";
            Assert.True(masked.IsSuccessStatusCode != assigned.IsSuccessStatusCode, $"exactly one must win; {story}");
            Assert.Equal(HttpStatusCode.Conflict, masked.IsSuccessStatusCode ? assigned.StatusCode : masked.StatusCode);
            winners.Add(masked.IsSuccessStatusCode ? "masks" : "assignment");

            var shown = await vfio.UntilAppliedAsync((await bus.GetAsync()).GetProperty("lastSequence").GetInt64());
            var mdev = await http.GetFromJsonAsync<JsonElement>($"{vfio.Host}/mdevs/m1");
            var (reserved, held) = (Permissions(shown.GetProperty("masks")), mdev.GetProperty("assigned"));
            Assert.True(reserved.FirstReserved(Ids(held, "apm"), Ids(held, "aqm")) is null, $"m1 holds a reserved queue; {story}");

            // The next round starts from no masks at VfioAp too: an assignment meeting the last masks not yet cleared would lose to them.
            if (masked.IsSuccessStatusCode) await vfio.UntilAppliedAsync(await BusApi.LastSequenceAsync(bus.MasksAsync("", "")));
            else await VfioApi.SucceedsAsync(vfio.AdminAsync("m1", "unassign-domain", 5));
        }
        var settled = await vfio.UntilAppliedAsync((await bus.GetAsync()).GetProperty("lastSequence").GetInt64());
        Assert.Equal(0, settled.GetProperty("maskReservations").GetArrayLength());
        return winners;
    }

    static ApPermissions Permissions(JsonElement masks) =>
        new(Bitmap256.ParseRangeList(masks.GetProperty("apmask").GetString()!), Bitmap256.ParseRangeList(masks.GetProperty("aqmask").GetString()!));

    static Bitmap256 Ids(JsonElement matrix, string field) => Bitmap256.ParseRangeList(matrix.GetProperty(field).GetString()!);
}

/// <summary>A reservation ApBus left behind: released, or ended at its lease once ApBus's snapshot shows the change never made.</summary>
[Collection("stack")]
public class A_mask_reservation(StackFixture stack)
{
    [Fact]
    public async Task Should_stop_holding_off_assignments_once_released()
    {
        var host = VfioApi.NewHost();
        using var asApBus = new VfioApi(stack.Client(stack.VfioAp, stack.Keys.ApBus), host);
        using var vfio = new VfioApi(stack.Client(stack.VfioAp), host);
        await VfioApi.SucceedsAsync(vfio.DefineAsync("batched"));
        await vfio.MdevAsync("m1", [4], []);
        var reservation = Guid.NewGuid();

        Assert.Equal(HttpStatusCode.NoContent, (await asApBus.MaskCheckAsync("4", "4", 0, reservation)).StatusCode);
        Assert.Equal("reserved", await VfioApi.ProblemKindAsync(vfio.AdminAsync("m1", "assign-domain", 4), HttpStatusCode.Conflict));
        Assert.Equal(reservation, Assert.Single((await vfio.GetAsync()).GetProperty("maskReservations").EnumerateArray()).GetProperty("reservation").GetGuid());

        Assert.Equal(HttpStatusCode.NoContent, (await asApBus.ReleaseMasksAsync(reservation)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await asApBus.ReleaseMasksAsync(reservation)).StatusCode);
        using var asApBusRaw = stack.Client(stack.VfioAp, stack.Keys.ApBus);
        Assert.Equal(["reservation"], await VfioApi.InvalidFieldsAsync(asApBusRaw.DeleteAsync($"{vfio.Host}/mask-check/not-a-uuid")));

        await VfioApi.SucceedsAsync(vfio.AdminAsync("m1", "assign-domain", 4));
        Assert.Equal(0, (await vfio.GetAsync()).GetProperty("maskReservations").GetArrayLength());
        using var raw = stack.Client(stack.VfioAp);
        Assert.Equal(["lastSequence", "reservation"], await VfioApi.InvalidFieldsAsync(
            raw.PostAsJsonAsync($"{vfio.Host}/mask-check", new { apmask = "4", aqmask = "4", lastSequence = -1 })));
        using var refused = await raw.PostAsJsonAsync($"{vfio.Host}/mask-check", new { apmask = "256", lastSequence = 0, reservation });
        Assert.Equal("apmask: id 256 is above 255; aqmask: is required (a range list like \"4-5,9\" or sysfs hex like \"0x0c\"; \"\" is the empty set)",
            (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    /// <summary>Against an ApBus whose broker is out of reach: its events never leave its outbox, so VfioAp applies none.</summary>
    [Fact]
    public async Task Should_end_at_its_lease_only_when_ApBus_never_moved_past_its_check()
    {
        var name = Guid.NewGuid().ToString("N")[..6];
        var apBus = await stack.StartOwnAsync(ApBusApp.Build, "apbus", $"leasebus{name}", builder =>
        {
            builder.Configuration.AddInMemoryCollection(
                new Dictionary<string, string?> { ["ConnectionStrings:RabbitMq"] = "amqp://apmatrix:none@127.0.0.1:1/" });
            builder.Services.PostConfigure<MassTransitHostOptions>(o =>
            {
                o.WaitUntilStarted = false;
                o.StopTimeout = TimeSpan.FromSeconds(1);
                o.ConsumerStopTimeout = TimeSpan.FromSeconds(1);
            });
        });
        var vfioAp = await stack.StartOwnAsync(VfioApApp.Build, "vfioap", $"lease{name}", builder => builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { ["Services:ApBus"] = apBus.Urls.First(), ["Masks:PendingLease"] = "00:00:01" }));
        try
        {
            var host = BusEvents.NewHost();
            using var bus = new BusApi(stack.Client(new Uri(apBus.Urls.First())), host);
            var last = await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "" }));
            using var vfio = new VfioApi(stack.Client(new Uri(vfioAp.Urls.First())), host);
            await VfioApi.SucceedsAsync(vfio.DefineAsync("batched"));
            await vfio.MdevAsync("m1", [4], []);

            // Checked at ApBus's last sequence: ApBus never made it. Checked before it: ApBus moved on and may have.
            await VfioApi.SucceedsAsync(vfio.MaskCheckAsync("4", "4", last));
            var movedPast = Guid.NewGuid();
            await VfioApi.SucceedsAsync(vfio.MaskCheckAsync("4", "5", last - 1, movedPast));
            Assert.Equal("reserved", await VfioApi.ProblemKindAsync(vfio.AdminAsync("m1", "assign-domain", 4), HttpStatusCode.Conflict));

            await Eventually.TrueAsync(async () =>
            {
                using var assigned = await vfio.AdminAsync("m1", "assign-domain", 4);
                return assigned.IsSuccessStatusCode;
            }, "the reservation ApBus never made to end at its lease");

            Assert.Equal(movedPast, Assert.Single((await vfio.GetAsync()).GetProperty("maskReservations").EnumerateArray())
                .GetProperty("reservation").GetGuid());
            Assert.Equal("reserved", await VfioApi.ProblemKindAsync(vfio.AdminAsync("m1", "assign-domain", 5), HttpStatusCode.Conflict));
        }
        finally
        {
            foreach (var app in new[] { vfioAp, apBus })
            {
                await app.ShutDownAsync();
            }
        }
    }
}
