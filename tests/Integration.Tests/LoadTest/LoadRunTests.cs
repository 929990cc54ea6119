using Apmatrix.Contracts;
using System.Diagnostics;
using Apmatrix.Engine;
using Apmatrix.Hosting;
using Apmatrix.LoadTest;
using Apmatrix.Scenarios.Stack;

namespace Apmatrix.Integration.Tests.LoadTest;

/// <summary>
/// The load run in small: 3 hosts at 8 x 8 through 2 VfioAp and 2 GuestVm instances competing for the same
/// queues, with an extra subscriber on ApBus's exchanges, in each event form; the same through 2 ApBus instances sharing
/// one outbox; and a big host beside small neighbours that keep changing. In the "stack" collection so it does not
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
        var result = await RunAsync(Options with { Forms = [form] });

        Assert.True(result.Exact, string.Join("\n", result.Failures));
        Assert.Equal(new Spread(1, 1, 1), result.UpdatesPerGuestPerScan);
        Assert.Equal(BusEventForms.Name(form), result.Form);
        AssertEverySubscriberSawEveryEventOnceInOrder(Options, result);
    }

    /// <summary>Host i calls ApBus instance i mod 2; both dispatch the one outbox, and each host's events must still come in order.</summary>
    [Theory]
    [InlineData(BusEventForm.Grouped)]
    [InlineData(BusEventForm.PerQueue)]
    public async Task Should_keep_each_hosts_events_in_order_through_two_ApBus_instances(BusEventForm form)
    {
        var options = Options with { Name = "it-apbus", Forms = [form], ApBusInstances = 2 };

        var result = await RunAsync(options);

        Assert.True(result.Exact, string.Join("\n", result.Failures));
        AssertEverySubscriberSawEveryEventOnceInOrder(options, result);
    }

    /// <summary>
    /// A lead of 3 events holds each host's per-queue events back in the one outbox of two ApBus instances until VfioAp has
    /// applied all but 3 of those sent: batches go out in part or wait, and every event must still arrive once and in order.
    /// </summary>
    [Fact]
    public async Task Should_end_exact_and_in_order_with_each_host_held_to_a_short_lead()
    {
        var options = Options with { Name = "it-lead", Forms = [BusEventForm.PerQueue], ApBusInstances = 2 };

        var result = await RunAsync(options, new() { ["BusEvents:Lead"] = "3" });

        Assert.True(result.Exact, string.Join("\n", result.Failures));
        AssertEverySubscriberSawEveryEventOnceInOrder(options, result);
    }

    /// <summary>Every neighbour change is acknowledged and the neighbours end exact; how long the changes took is the load tool's report.</summary>
    [Fact]
    public async Task Should_see_every_neighbour_change_applied_idle_and_beside_the_scans()
    {
        var options = Options with
        {
            Name = "it-neighbours", Hosts = 1, Adapters = 16, Domains = 16, Guests = 16, Forms = [BusEventForm.PerQueue],
            Neighbours = 3, NeighbourEvery = TimeSpan.FromMilliseconds(100), NeighbourIdleChanges = 10,
        };

        var result = await RunAsync(options);

        Assert.True(result.Exact, string.Join("\n", result.Failures));
        var neighbours = Assert.IsType<NeighbourLatency>(result.Neighbours);
        Assert.Equal((3, 30L, 30L), (neighbours.Neighbours, neighbours.IdleChanges, neighbours.Idle.Count));
        // Each neighbour changes at the start of each scan at least.
        Assert.InRange(neighbours.LoadedChanges, 3 * options.Scans, long.MaxValue);
        Assert.Equal(neighbours.LoadedChanges, neighbours.Loaded.Count);
        Assert.Equal(Enumerable.Range(1, 3).Select(i => LoadRun.NeighbourName(options.Name, i)), neighbours.LoadedByHost.Select(h => h.Host));
        Assert.Equal(neighbours.LoadedChanges, neighbours.LoadedByHost.Sum(h => h.Changes));
    }

    /// <summary>
    /// Two VfioAp instances split the lanes between them, so both apply bus events: sixteen hosts hash to lanes of both
    /// halves (all on one half would take sixteen coin flips falling the same way).
    /// </summary>
    [Fact]
    public async Task Should_share_the_lanes_so_that_both_VfioAp_instances_apply_events()
    {
        var options = Options with { Name = "it-share", Hosts = 16, Adapters = 2, Domains = 2, Guests = 2, Scans = 1, Subscribers = 0, Forms = [BusEventForm.PerQueue] };
        var applied = new List<double>();

        var result = await RunAsync(options,
            ready: stack => Task.WhenAll(stack.VfioAp.Select(vfioAp => Eventually.ReadAsync(() => MetricAsync(stack, vfioAp, LanesOwned),
                owned => owned == 8, $"{vfioAp.Name} to own 8 of the 16 lanes"))),
            ran: async (stack, _) =>
            {
                foreach (var vfioAp in stack.VfioAp) applied.Add(await MetricAsync(stack, vfioAp, EventsApplied));
            });

        Assert.True(result.Exact, string.Join("\n", result.Failures));
        Assert.Equal(2, applied.Count);
        Assert.All(applied, events => Assert.True(events > 0, $"one VfioAp applied none of the bus events: {string.Join(", ", applied)}"));
    }

    /// <summary>Malformed events sent straight to one lane among a scan's own: exactly those reach that lane's <c>_error</c>.</summary>
    [Fact]
    public async Task Should_put_exactly_the_poison_in_its_lanes_error_queue_and_end_exact()
    {
        var options = Options with { Name = "it-poison", Forms = [BusEventForm.PerQueue], Scans = 1, Subscribers = 0, Poison = 5, FaultAfter = TimeSpan.Zero };
        Dictionary<string, long>? errors = null;

        var result = await RunAsync(options, ran: async (stack, servers) => errors = await Eventually.ReadAsync(
            async () => (await servers.ErrorQueuesAsync(CancellationToken.None))?.Where(q => q.Key.StartsWith(stack.QueuePrefix, StringComparison.Ordinal))
                .ToDictionary(q => q.Key[stack.QueuePrefix.Length..], q => q.Value),
            found => found?.Values.Sum() >= options.Poison, "the poison in an _error queue"));

        Assert.True(result.Exact, string.Join("\n", result.Failures));
        Assert.Equal(new Dictionary<string, long> { [$"{EventQueues.Poisoned}_error"] = options.Poison }, errors);
    }

    const string LanesOwned = "apmatrix_vfioap_lanes_owned";
    const string EventsApplied = "apmatrix_vfioap_bus_events_applied_total";

    static async Task<double> MetricAsync(InProcessStack stack, ServiceInstance instance, string name)
    {
        using var http = new HttpClient { BaseAddress = instance.Url };
        http.DefaultRequestHeaders.Authorization = new(ApiKeys.Scheme, stack.ApiKey);
        return await MetricText.SumAsync(http, name);
    }

    static async Task<ModeResult> RunAsync(LoadOptions options, Dictionary<string, string>? apBusSettings = null,
        Func<InProcessStack, Task>? ready = null, Func<InProcessStack, Servers, Task>? ran = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var fixture = new ServerFixture();
        await fixture.StartAsync();
        var servers = new Servers(fixture.RabbitMq, fixture.PostgresAdmin, Servers.Services.ToDictionary(s => s, fixture.Broker),
            Servers.Services.ToDictionary(s => s, fixture.DatabaseRole));
        // A virtual host of its own where the servers are this machine's: queues of other tests would take copies. Named after the
        // configured one, so that runs against different test virtual hosts do not re-create each other's.
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ServerFixture.RabbitVariable)))
            await servers.UseFreshVirtualHostAsync($"{servers.VirtualHost}-load", timeout.Token);
        await using var stack = await InProcessStack.StartAsync(servers, options.VfioApInstances, options.GuestVmInstances, apBus: options.ApBusInstances,
            apBusSettings: apBusSettings);
        if (ready is not null) await ready(stack).WaitAsync(timeout.Token);
        var clock = Stopwatch.StartNew();
        await using var observers = await Observers.StartAsync(servers.Broker, stack.QueuePrefix, options.Subscribers, clock, timeout.Token);
        using var run = new LoadRun(options, stack, observers, clock, TextWriter.Null);

        await run.SetUpAsync(timeout.Token);
        var result = await run.RunAsync(options.Forms[0], HotPlugMode.Batched, timeout.Token);
        if (ran is not null) await ran(stack, servers).WaitAsync(timeout.Token);
        return result;
    }

    static void AssertEverySubscriberSawEveryEventOnceInOrder(LoadOptions options, ModeResult result)
    {
        Assert.Equal(options.Hosts * options.Subscribers, result.Subscribers.Count);
        Assert.All(result.Subscribers, s =>
        {
            Assert.True(s.Complete, $"{s.Host}: {s.Missing} of 1..{s.LastSequence} missing");
            Assert.Equal(0, s.Duplicates);
            Assert.True(s.InOrder, $"{s.Host}: {s.OutOfOrder} of {s.Delivered} events delivered out of order, first {s.FirstOutOfOrder}");
        });
    }
}
