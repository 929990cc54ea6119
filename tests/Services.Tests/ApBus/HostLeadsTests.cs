using Apmatrix.ApBus.Messaging;

namespace Apmatrix.Services.Tests.ApBus;

public class HostLeadsTests
{
    // The lead alone: the tests of the shared lead name it.
    static readonly BusEventLeadOptions Options = new() { Lead = 500, SharedLead = 0, Stall = TimeSpan.FromSeconds(10), AskEvery = TimeSpan.FromMilliseconds(20) };

    static readonly BusEventLeadOptions Shared = new() { Lead = 500, SharedLead = 64, Stall = TimeSpan.FromSeconds(10), AskEvery = TimeSpan.FromMilliseconds(20) };

    readonly ManualClock _clock = new();
    readonly List<string> _asked = [];
    readonly List<IReadOnlyList<string>> _requests = [];
    long? _applied;

    HostLeads Leads(BusEventLeadOptions? options = null) => new(options ?? Options, _clock, (hosts, _) =>
    {
        _asked.AddRange(hosts);
        _requests.Add(hosts);
        return Task.FromResult<IReadOnlyDictionary<string, long>?>(_applied is { } applied ? hosts.ToDictionary(h => h, _ => applied) : null);
    });

    static long[] Sequences(long from, int count) => [.. Enumerable.Range(0, count).Select(i => from + i)];

    [Fact]
    public async Task Should_let_a_new_hosts_first_lead_of_events_go_without_asking_VfioAp()
    {
        var leads = Leads();

        Assert.Equal(500, await leads.AllowAsync("h1", Sequences(1, 500), CancellationToken.None));
        Assert.Empty(_asked);
    }

    [Fact]
    public async Task Should_let_go_only_the_events_within_the_lead_of_what_VfioAp_applied()
    {
        var leads = Leads();
        _applied = 100;

        Assert.Equal(600, await leads.AllowAsync("h1", Sequences(1, 1000), CancellationToken.None));
        Assert.Equal(["h1"], _asked);
        // The answer is remembered and not asked for again within the interval: the rest waits.
        Assert.Equal(0, await leads.AllowAsync("h1", Sequences(601, 400), CancellationToken.None));
        Assert.Single(_asked);
    }

    [Fact]
    public async Task Should_hold_a_host_back_asking_at_most_once_per_interval_and_go_on_once_half_its_lead_may_go()
    {
        var leads = Leads();
        _applied = 0;

        Assert.Equal(0, await leads.AllowAsync("h1", Sequences(501, 1000), CancellationToken.None));
        Assert.Equal(0, await leads.AllowAsync("h1", Sequences(501, 1000), CancellationToken.None));
        Assert.Single(_asked);
        // 249 may go: not yet, a trickle would make every hop after it work in batches of a few.
        _applied = 249;
        _clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(0, await leads.AllowAsync("h1", Sequences(501, 1000), CancellationToken.None));
        _applied = 250;
        _clock.Advance(TimeSpan.FromMilliseconds(20));

        Assert.Equal(250, await leads.AllowAsync("h1", Sequences(501, 1000), CancellationToken.None));
        Assert.Equal(3, _asked.Count);
    }

    [Fact]
    public async Task Should_refill_a_held_back_host_by_the_configured_amount()
    {
        var leads = Leads(new BusEventLeadOptions { Lead = 500, Refill = 100, Stall = TimeSpan.FromSeconds(10), AskEvery = TimeSpan.FromMilliseconds(20) });
        _applied = 0;
        Assert.Equal(0, await leads.AllowAsync("h1", Sequences(501, 1000), CancellationToken.None));
        _applied = 99;
        _clock.Advance(TimeSpan.FromMilliseconds(20));

        Assert.Equal(new Dictionary<string, int> { ["h1"] = 1 }, await leads.LimitsAsync(CancellationToken.None));
        _applied = 100;
        _clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(new Dictionary<string, int> { ["h1"] = 100 }, await leads.LimitsAsync(CancellationToken.None));
        Assert.Equal(100, await leads.AllowAsync("h1", Sequences(501, 100), CancellationToken.None));
    }

    [Fact]
    public async Task Should_keep_a_host_to_the_shared_lead_while_another_host_lets_events_go()
    {
        var leads = Leads(Shared);
        _applied = 0;
        Assert.Equal(3, await leads.AllowAsync("small", Sequences(1, 3), CancellationToken.None));

        Assert.Equal(64, await leads.AllowAsync("big", Sequences(1, 1000), CancellationToken.None));
        // The small host's own three go as before: they are within any lead.
        Assert.Equal(3, await leads.AllowAsync("small", Sequences(4, 3), CancellationToken.None));
    }

    [Fact]
    public async Task Should_keep_the_whole_lead_for_hosts_that_all_have_backlogs()
    {
        var leads = Leads(Shared);
        _applied = 0;

        Assert.Equal(500, await leads.AllowAsync("scan-1", Sequences(1, 1000), CancellationToken.None));
        Assert.Equal(500, await leads.AllowAsync("scan-2", Sequences(1, 1000), CancellationToken.None));
    }

    [Fact]
    public async Task Should_refill_a_host_on_the_shared_lead_by_half_of_it()
    {
        var leads = Leads(Shared);
        _applied = 0;
        Assert.Equal(3, await leads.AllowAsync("small", Sequences(1, 3), CancellationToken.None));
        Assert.Equal(64, await leads.AllowAsync("big", Sequences(1, 1000), CancellationToken.None));
        _applied = 31;
        _clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(0, await leads.AllowAsync("big", Sequences(65, 936), CancellationToken.None));
        _applied = 32;
        _clock.Advance(TimeSpan.FromMilliseconds(20));

        Assert.Equal(32, await leads.AllowAsync("big", Sequences(65, 936), CancellationToken.None));
    }

    [Fact]
    public async Task Should_give_a_host_its_whole_lead_once_the_others_have_been_quiet_for_a_second()
    {
        var leads = Leads(Shared);
        _applied = 0;
        Assert.Equal(3, await leads.AllowAsync("small", Sequences(1, 3), CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(500, await leads.AllowAsync("big", Sequences(1, 1000), CancellationToken.None));
        // A host is not company for itself.
        _clock.Advance(TimeSpan.FromMilliseconds(20));
        _applied = 500;
        Assert.Equal(500, await leads.AllowAsync("big", Sequences(501, 500), CancellationToken.None));
    }

    [Fact]
    public async Task Should_keep_a_hosts_whole_lead_when_another_host_lets_the_end_of_its_backlog_go()
    {
        var leads = Leads(Shared);
        _applied = 0;
        Assert.Equal(500, await leads.AllowAsync("first", Sequences(1, 600), CancellationToken.None));
        Assert.Equal(500, await leads.AllowAsync("second", Sequences(1, 600), CancellationToken.None));
        _clock.Advance(TimeSpan.FromMilliseconds(20));
        _applied = 500;
        // The first host's last 100 events go: its backlog ends, which makes it no small change beside the second.
        Assert.Equal(100, await leads.AllowAsync("first", Sequences(501, 100), CancellationToken.None));

        Assert.Equal(100, await leads.AllowAsync("second", Sequences(501, 100), CancellationToken.None));
        Assert.Equal(400, await leads.AllowAsync("second", Sequences(601, 600), CancellationToken.None));
    }

    [Fact]
    public async Task Should_ask_for_every_held_back_host_due_an_answer_in_one_request()
    {
        var leads = Leads();
        _applied = 0;
        Assert.Equal(0, await leads.AllowAsync("h1", Sequences(501, 100), CancellationToken.None));
        Assert.Equal(0, await leads.AllowAsync("h2", Sequences(501, 100), CancellationToken.None));
        Assert.Equal(0, await leads.AllowAsync("h3", Sequences(1001, 100), CancellationToken.None));
        Assert.Equal(3, _requests.Count);

        _clock.Advance(TimeSpan.FromMilliseconds(20));
        _applied = 250;
        Assert.Equal(100, await leads.AllowAsync("h1", Sequences(501, 100), CancellationToken.None));
        Assert.Equal(["h1", "h2", "h3"], _requests[^1].Order());
        // h2 goes on the answer h1's ask brought, and h3, still out of its refill, waits on it without asking again.
        Assert.Equal(100, await leads.AllowAsync("h2", Sequences(501, 100), CancellationToken.None));
        Assert.Equal(0, await leads.AllowAsync("h3", Sequences(1001, 100), CancellationToken.None));
        Assert.Equal(4, _requests.Count);
    }

    [Fact]
    public async Task Should_let_every_event_go_when_VfioAp_does_not_answer()
    {
        var leads = Leads();
        _applied = null;

        Assert.Equal(1000, await leads.AllowAsync("h1", Sequences(1, 1000), CancellationToken.None));
    }

    [Fact]
    public async Task Should_let_every_event_go_once_VfioAp_has_stood_still_on_the_host_for_the_stall_time()
    {
        var leads = Leads();
        _applied = 0;
        Assert.Equal(0, await leads.AllowAsync("h1", Sequences(501, 100), CancellationToken.None));

        _clock.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal(0, await leads.AllowAsync("h1", Sequences(501, 100), CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(0.1));

        Assert.Equal(100, await leads.AllowAsync("h1", Sequences(501, 100), CancellationToken.None));
        // Another host is held back as before.
        Assert.Equal(0, await leads.AllowAsync("h2", Sequences(501, 100), CancellationToken.None));
    }

    [Fact]
    public async Task Should_pace_nothing_with_a_lead_of_zero()
    {
        var off = new HostLeads(new BusEventLeadOptions { Lead = 0 }, _clock, (_, _) => throw new InvalidOperationException("asked"));

        Assert.Equal(5000, await off.AllowAsync("h1", Sequences(1, 5000), CancellationToken.None));
    }

    [Fact]
    public async Task Should_limit_a_held_back_hosts_next_read_to_the_events_that_may_go()
    {
        var leads = Leads();
        _applied = 100;
        Assert.Equal(600, await leads.AllowAsync("h1", Sequences(1, 1000), CancellationToken.None));
        Assert.Equal(10, await leads.AllowAsync("h2", Sequences(1, 10), CancellationToken.None));
        _applied = 400;
        _clock.Advance(TimeSpan.FromMilliseconds(20));

        // h1 waits at 601 and VfioAp is at 400 now: 601-900 may go. h2 was never held back, so it is read in full.
        Assert.Equal(new Dictionary<string, int> { ["h1"] = 300 }, await leads.LimitsAsync(CancellationToken.None));
        Assert.Equal(2, _asked.Count);
    }

    [Fact]
    public async Task Should_read_one_event_of_a_host_that_may_send_none_until_it_may_ask_again()
    {
        var leads = Leads();
        _applied = 100;
        Assert.Equal(600, await leads.AllowAsync("h1", Sequences(1, 1000), CancellationToken.None));

        // Asked a moment ago: not again, and the one row read tells where the host really is.
        Assert.Equal(new Dictionary<string, int> { ["h1"] = 1 }, await leads.LimitsAsync(CancellationToken.None));
        Assert.Single(_asked);
    }

    [Fact]
    public async Task Should_stop_limiting_a_host_once_a_read_finds_its_backlog_drained()
    {
        var leads = Leads();
        _applied = 100;
        Assert.Equal(600, await leads.AllowAsync("h1", Sequences(1, 1000), CancellationToken.None));
        _applied = 400;
        _clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(300, (await leads.LimitsAsync(CancellationToken.None))["h1"]);

        // The limit filled: more may wait behind it, so the host stays limited.
        Assert.Equal(300, await leads.AllowAsync("h1", Sequences(601, 300), CancellationToken.None));
        Assert.Equal(new Dictionary<string, int> { ["h1"] = 1 }, await leads.LimitsAsync(CancellationToken.None));
        _applied = 700;
        _clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(new Dictionary<string, int> { ["h1"] = 300 }, await leads.LimitsAsync(CancellationToken.None));
        // Fewer rows than the limit: the outbox held no more of it.
        Assert.Equal(5, await leads.AllowAsync("h1", Sequences(901, 5), CancellationToken.None));

        Assert.Empty(await leads.LimitsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Should_not_limit_a_host_VfioAp_does_not_answer_for_or_has_stood_still_on()
    {
        var leads = Leads();
        _applied = 0;
        Assert.Equal(0, await leads.AllowAsync("h1", Sequences(501, 100), CancellationToken.None));
        _applied = null;
        _clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Empty(await leads.LimitsAsync(CancellationToken.None));

        _applied = 0;
        _clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(await leads.LimitsAsync(CancellationToken.None));
    }
}
