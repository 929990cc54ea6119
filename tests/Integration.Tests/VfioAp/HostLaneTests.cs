using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.Integration.Tests.ApBus;

namespace Apmatrix.Integration.Tests.VfioAp;

/// <summary>
/// No host waits behind another: ApBus's outbox takes the hosts' rows in turns and each host's events travel in a lane
/// of their own, so a small host's change lands while a big host's per-queue scan is still on its way.
/// </summary>
[Collection("stack")]
public class Host_lanes(StackFixture stack)
{
    [Fact]
    public async Task Should_apply_a_small_hosts_change_while_a_big_hosts_scan_is_still_on_its_way()
    {
        var (big, small) = (BusEvents.NewHost(), BusEvents.NewHost());
        using var bigBus = new BusApi(stack.Client(stack.ApBus), big);
        using var smallBus = new BusApi(stack.Client(stack.ApBus), small);
        using var bigVfio = new VfioApi(stack.Client(stack.VfioAp), big);
        using var smallVfio = new VfioApi(stack.Client(stack.VfioAp), small);
        await BusApi.LastSequenceAsync(bigBus.DefineAsync(new { apm = "", aqm = "", adm = "", eventForm = "per-queue" }));
        await smallVfio.UntilAppliedAsync(await BusApi.LastSequenceAsync(smallBus.DefineAsync(new { apm = "0", aqm = "0", adm = "" })));

        // 8,194 events in the big host's outbox before the small host's three.
        var bigLast = await BusApi.LastSequenceAsync(bigBus.ConfigAsync("0-63", "0-127", ""));
        var smallLast = await BusApi.LastSequenceAsync(smallBus.ConfigAsync("0-1", "0", ""));
        await smallVfio.UntilAppliedAsync(smallLast);
        // VfioAp learns of the big host from its first event: not yet known is nothing applied.
        using var http = stack.Client(stack.VfioAp);
        using var shown = await http.GetAsync(bigVfio.Host);
        var bigApplied = shown.IsSuccessStatusCode ? (await shown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lastSequence").GetInt64() : 0;

        // Queued behind the big host (one FIFO per event kind, one outbox), it would land after nearly all of them.
        Assert.True(bigApplied < bigLast / 2, $"the small host's change landed only after {bigApplied} of the big host's {bigLast} events");
        // Left to finish, so the next test in the collection finds the stack idle; on CI's two shared cores that took over 30 s.
        await bigVfio.UntilAppliedAsync(bigLast, TimeSpan.FromMinutes(2));
    }
}
