using Apmatrix.Apctl.Cli;
using Apmatrix.Integration.Tests.DeadLetters;
using Apmatrix.Integration.Tests.VfioAp;

namespace Apmatrix.Integration.Tests.Apctl;

/// <summary>The documented recovery of a stalled host, with apctl alone: find the dead-lettered event, read why, send it back.</summary>
[Collection("stack")]
public sealed class Redriving_with_apctl(StackFixture stack)
{
    [Fact]
    public async Task Should_unstall_a_host_whose_event_was_dead_lettered()
    {
        var host = VfioApi.NewHost();
        using var apctl = new ApctlRunner(stack, stack.Keys.Operator);
        using var api = new DeadLetterApi(stack.Client(stack.VfioAp));
        using var vfio = new VfioApi(stack.Client(stack.VfioAp), host);
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        await using var errors = await ErrorQueueWriter.OpenAsync(stack.Servers);
        var scan = BusEventSender.Scan(host, 1, "1", "1-2", "");
        await bus.PublishAsync(scan[0], scan[1]);
        await vfio.UntilAppliedAsync(2);
        var lane = await api.LaneErrorOfAsync(bus, stack.QueuePrefix, host);
        await bus.DrainAsync(lane);
        await errors.FaultAsync(lane, scan[2], "apbus");
        await bus.PublishAsync(scan[3]);

        var queues = (await apctl.JsonAsync(ExitCodes.Done, "errors", "list")).AsArray();
        Assert.Contains(queues, q => q!["queue"]!.GetValue<string>() == lane && q["messages"]!.GetValue<long>() == 1 && q["service"]!.GetValue<string>() == "VfioAp");
        var shown = await apctl.RunAsync("errors", "show", lane);
        Assert.Equal(ExitCodes.Done, shown.Code);
        Assert.Contains($"host {host}", shown.Out);
        Assert.Contains("fault: System.TimeoutException: the test's own fault", shown.Out);
        Assert.Equal(2, (await vfio.GetAsync()).GetProperty("lastSequence").GetInt64());

        var redriven = await apctl.JsonAsync(ExitCodes.Done, "errors", "redrive", lane);
        Assert.Equal((1, 0L), (redriven["moved"]!.GetValue<int>(), redriven["remaining"]!.GetValue<long>()));
        Assert.Equal(4, (await vfio.UntilAppliedAsync(4)).GetProperty("lastSequence").GetInt64());
        Assert.Equal(ExitCodes.Refused, (await apctl.RunAsync("errors", "show", "no-such-queue_error")).Code);
    }
}
