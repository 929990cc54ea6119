using Apmatrix.Contracts;
using System.Diagnostics;
using Apmatrix.Engine;
using Apmatrix.LoadTest;

namespace Apmatrix.Integration.Tests.LoadTest;

/// <summary>
/// The load run in small: 3 hosts at 8 x 8 through 2 VfioAp and 2 GuestVm instances competing for the same
/// queues, with an extra subscriber on ApBus's exchanges, in each event form. In the "stack" collection so it does not
/// compete for the CPU with the scenario tests.
/// </summary>
[Collection("stack")]
public sealed class LoadRunTests
{
    static readonly LoadOptions Options = new()
    {
        Name = "it-load", Hosts = 3, Adapters = 8, Domains = 8, Guests = 8, Vcpus = 2, Scans = 2,
        Modes = [HotPlugMode.Batched], VfioApInstances = 2, GuestVmInstances = 2, Subscribers = 1,
    };

    [Theory]
    [InlineData(BusEventForm.Grouped)]
    [InlineData(BusEventForm.PerQueue)]
    public async Task Should_end_as_the_engine_ends_with_every_event_seen_in_order(BusEventForm form)
    {
        var options = Options with { Forms = [form] };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var fixture = new ServerFixture();
        await fixture.StartAsync();
        var servers = new Servers(fixture.RabbitMq, fixture.PostgresAdmin, Servers.Services.ToDictionary(s => s, fixture.Broker),
            Servers.Services.ToDictionary(s => s, fixture.DatabaseRole));
        // A virtual host of its own where the servers are this machine's: queues of other tests would take copies.
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ServerFixture.RabbitVariable)))
            await servers.UseFreshVirtualHostAsync("apmatrix-test-load", timeout.Token);
        await using var stack = await InProcessStack.StartAsync(servers, options.VfioApInstances, options.GuestVmInstances);
        var clock = Stopwatch.StartNew();
        await using var observers = await Observers.StartAsync(servers.Broker, stack.QueuePrefix, options.Subscribers, clock, timeout.Token);
        using var run = new LoadRun(options, stack, observers, clock, TextWriter.Null);

        await run.SetUpAsync(timeout.Token);
        var result = await run.RunAsync(form, HotPlugMode.Batched, timeout.Token);

        Assert.True(result.Exact, string.Join("\n", result.Failures));
        Assert.Equal(new Spread(1, 1, 1), result.UpdatesPerGuestPerScan);
        Assert.Equal(BusEventForms.Name(form), result.Form);
        Assert.Equal(options.Hosts * options.Subscribers, result.Subscribers.Count);
        Assert.All(result.Subscribers, s =>
        {
            Assert.True(s.Complete, $"{s.Host}: {s.Missing} of 1..{s.LastSequence} missing");
            Assert.True(s.InOrder, $"{s.Host}: {s.OutOfOrder} of {s.Delivered} events delivered out of order, first {s.FirstOutOfOrder}");
        });
    }
}
