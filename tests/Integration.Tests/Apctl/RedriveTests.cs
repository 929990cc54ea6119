using Apmatrix.Apctl.Cli;
using Apmatrix.Integration.Tests.DeadLetters;

namespace Apmatrix.Integration.Tests.Apctl;

/// <summary>The documented recovery of a stalled host, with apctl alone: find the dead-lettered event, read why, send it back.</summary>
[Collection("stack")]
public sealed class Redriving_with_apctl(StackFixture stack)
{
    [Fact]
    public async Task Should_unstall_a_host_whose_event_was_dead_lettered()
    {
        await using var stalled = await StalledHost.StallAsync(stack);
        var (host, lane, vfio) = (stalled.Host, stalled.Lane, stalled.Vfio);
        using var apctl = new ApctlRunner(stack, stack.Keys.Operator);

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
