using System.Net;
using Apmatrix.Integration.Tests.VfioAp;

namespace Apmatrix.Integration.Tests.ApBus;

/// <summary>A host's first masks, announced when its bus is defined, pass VfioAp's veto as every later mask change does.</summary>
[Collection("stack")]
public class A_host_s_first_masks(StackFixture stack)
{
    [Fact]
    public async Task Should_be_vetoed_when_an_mdev_made_before_the_bus_holds_a_queue_they_reserve()
    {
        var host = BusEvents.NewHost();
        using var bus = new BusApi(stack.Client(stack.ApBus), host);
        using var vfio = new VfioApi(stack.Client(stack.VfioAp), host);
        using var apBus = stack.Client(stack.ApBus);
        await VfioApi.SucceedsAsync(vfio.DefineAsync("batched"));
        await vfio.MdevAsync("m1", [4], [5]);

        Assert.Equal("busy", await BusApi.ProblemKindAsync(
            bus.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "", apmask = "4", aqmask = "5" }), HttpStatusCode.Conflict));
        Assert.Equal(HttpStatusCode.NotFound, (await apBus.GetAsync(bus.Host)).StatusCode);
        Assert.Empty((await vfio.GetAsync()).GetProperty("maskReservations").EnumerateArray());

        // Masks that reserve none of m1's queues (05.0005 only) are allowed, and VfioAp ends with them.
        var last = await BusApi.LastSequenceAsync(bus.DefineAsync(new { apm = "4-5", aqm = "4-5", adm = "", apmask = "5", aqmask = "5" }));
        var applied = await vfio.UntilAppliedAsync(last);
        Assert.Equal("5", applied.GetProperty("masks").GetProperty("apmask").GetString());
        Assert.Empty(applied.GetProperty("maskReservations").EnumerateArray());
        Assert.Equal(["04.0005"], (await vfio.SysfsAsync("m1", "matrix")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
