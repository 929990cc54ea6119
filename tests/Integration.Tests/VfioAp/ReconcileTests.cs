using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.ApBus;
using Apmatrix.Integration.Tests.ApBus;
using Apmatrix.VfioAp;
using Apmatrix.VfioAp.Persistence;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Apmatrix.Integration.Tests.VfioAp;

/// <summary>
/// A VfioAp that reconciles after 2 s at a gap and checks digests every 2 s, asking an ApBus whose broker is out of
/// reach: ApBus's events never leave its outbox, so the test alone decides which of them VfioAp gets.
/// </summary>
[Collection("stack")]
public class A_host_that_lost_bus_events(StackFixture stack) : IAsyncLifetime
{
    static readonly TimeSpan GapTimeout = TimeSpan.FromSeconds(2);

    readonly string _hostId = VfioApi.NewHost();
    readonly string _name = Guid.NewGuid().ToString("N")[..6];
    WebApplication _apBus = null!;
    WebApplication _vfioAp = null!;
    BusApi _bus = null!;
    VfioApi _vfio = null!;

    public async Task InitializeAsync()
    {
        _apBus = await stack.StartOwnAsync(ApBusApp.Build, "apbus", $"truth{_name}", builder =>
        {
            builder.Configuration.AddInMemoryCollection(
                new Dictionary<string, string?> { ["ConnectionStrings:RabbitMq"] = "amqp://apmatrix:none@127.0.0.1:1/" });
            // The bus can never connect: starting and stopping must not wait for it.
            builder.Services.PostConfigure<MassTransitHostOptions>(o =>
            {
                o.WaitUntilStarted = false;
                o.StopTimeout = TimeSpan.FromSeconds(1);
                o.ConsumerStopTimeout = TimeSpan.FromSeconds(1);
            });
        });
        _vfioAp = await stack.StartOwnAsync(VfioApApp.Build, "vfioap", $"heal{_name}", builder => builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Services:ApBus"] = _apBus.Urls.First(),
                ["Reconciliation:GapTimeout"] = GapTimeout.ToString(),
                ["Reconciliation:CheckInterval"] = "00:00:02",
            }));
        _bus = new BusApi(stack.Client(new Uri(_apBus.Urls.First())), _hostId);
        _vfio = new VfioApi(stack.Client(new Uri(_vfioAp.Urls.First())), _hostId);
        await VfioApi.SucceedsAsync(_vfio.DefineAsync("batched"));
        await _vfio.MdevAsync("m1", [0, 1], [0, 1], "g1");
    }

    [Fact]
    public async Task Should_end_exact_after_its_gap_timeout_with_one_guest_update()
    {
        // The whole scan (config changed, six probes, scan complete) stays in ApBus's outbox; per queue, as the test replays it.
        var last = await BusApi.LastSequenceAsync(_bus.DefineAsync(new { apm = "0-2", aqm = "0-1", adm = "0", eventForm = "per-queue" }));
        Assert.Equal(8, last);
        var scan = BusEventSender.Scan(_hostId, 1, "0-2", "0-1", "0");
        await using var sender = await BusEventSender.OpenAsync(stack.Servers);
        // The config change and the first probe arrive, the rest of the scan is lost but for its scan complete.
        await sender.PublishAsync(scan[0], scan[1], scan[^1]);

        var shown = await Eventually.ReadAsync(_vfio.GetAsync, h => h.GetProperty("lastSequence").GetInt64() == last,
            "the host reconciled up to ApBus's last sequence", GapTimeout + TimeSpan.FromSeconds(5), h => h.ToString());
        Assert.Equal(0, shown.GetProperty("pendingEvents").GetInt32());
        Assert.Equal(6, shown.GetProperty("boundQueues").GetInt32());
        Assert.Equal("0-2", shown.GetProperty("config").GetProperty("apm").GetString());
        Assert.Equal("0-1", shown.GetProperty("config").GetProperty("aqm").GetString());
        Assert.Equal("0", shown.GetProperty("config").GetProperty("adm").GetString());
        var guest = (await _vfio.GuestsAsync()).EnumerateArray().Single();
        Assert.Equal(1, guest.GetProperty("version").GetInt64());
        Assert.Equal("0-1", guest.GetProperty("apcb").GetProperty("apm").GetString());
        Assert.Equal("0-1", guest.GetProperty("apcb").GetProperty("aqm").GetString());

        var snapshot = await SnapshotAsync();
        Assert.Equal(last, snapshot.GetProperty("lastSequence").GetInt64());
        var again = await ReconcileAsync();
        Assert.False(again.GetProperty("reconciled").GetBoolean());
        Assert.Equal(0, again.GetProperty("updatesSent").GetInt32());
        Assert.Equal(last, again.GetProperty("lastSequenceBefore").GetInt64());
        Assert.Equal(last, again.GetProperty("lastSequenceAfter").GetInt64());
        Assert.Equal(snapshot.GetProperty("digest").GetString(), again.GetProperty("digest").GetString());
        Assert.Equal(1, (await _vfio.GuestsAsync()).EnumerateArray().Single().GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Should_be_caught_up_on_request_and_repaired_by_the_digest_check_when_it_drifts()
    {
        var last = await BusApi.LastSequenceAsync(_bus.DefineAsync(new { apm = "0-2", aqm = "0-1", adm = "0" }));
        var caughtUp = await ReconcileAsync();
        Assert.True(caughtUp.GetProperty("reconciled").GetBoolean());
        Assert.Equal(1, caughtUp.GetProperty("updatesSent").GetInt32());
        Assert.Equal(0, caughtUp.GetProperty("lastSequenceBefore").GetInt64());
        Assert.Equal(last, caughtUp.GetProperty("lastSequenceAfter").GetInt64());

        // Drift: VfioAp forgets every queue bound to vfio_ap, at the same sequence as ApBus.
        await using (var scope = _vfioAp.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<VfioApDbContext>();
            var none = new byte[HostRow.BoundQueuesLength];
            Assert.Equal(1, await db.Database.ExecuteSqlAsync($"UPDATE hosts SET bound_queues = {none} WHERE host_id = {_hostId}"));
        }
        Assert.Equal(0, (await _vfio.GetAsync()).GetProperty("boundQueues").GetInt32());

        var repaired = await Eventually.ReadAsync(_vfio.GetAsync, h => h.GetProperty("boundQueues").GetInt32() == 6,
            "the digest check to bind the six queues again", TimeSpan.FromSeconds(10), h => h.ToString());
        Assert.Equal(last, repaired.GetProperty("lastSequence").GetInt64());
        // The guest never lost its queues: re-binding them changes nothing it sees.
        Assert.Equal(1, (await _vfio.GuestsAsync()).EnumerateArray().Single().GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Should_take_ApBus_s_snapshot_and_sequence_at_the_digest_check_when_ApBus_s_database_is_the_older()
    {
        var (backedUp, lost) = await RestoreApBusAsync(_vfioAp);
        var healed = await Eventually.ReadAsync(_vfio.GetAsync, h => h.GetProperty("lastSequence").GetInt64() == backedUp,
            "the digest check to take ApBus's sequence", TimeSpan.FromSeconds(15), h => h.ToString());
        Assert.Equal("0-2", healed.GetProperty("config").GetProperty("apm").GetString());
        Assert.Equal(6, healed.GetProperty("boundQueues").GetInt32());
        var guest = (await _vfio.GuestsAsync()).EnumerateArray().Single();
        Assert.Equal(3, guest.GetProperty("version").GetInt64());
        Assert.Equal("0-1", guest.GetProperty("apcb").GetProperty("apm").GetString());

        // ApBus's next change (adapter 0 leaves) is numbered at or below what VfioAp had applied before; its events, as
        // ApBus's outbox holds them, are applied.
        var next = await BusApi.LastSequenceAsync(_bus.ConfigAsync("1-2", "0-1", "0"));
        Assert.True(next <= lost, $"ApBus's change ends at {next}, past the {lost} VfioAp had: the test no longer shows a restore");
        await using var sender = await BusEventSender.OpenAsync(stack.Servers);
        await sender.PublishAsync(Removal(backedUp + 1, "0-2", "1-2", new Apqn(0, 0), new Apqn(0, 1)));
        await _vfio.UntilAppliedAsync(next);
        Assert.Equal("1", (await _vfio.GuestsAsync()).EnumerateArray().Single().GetProperty("apcb").GetProperty("apm").GetString());
        Assert.Equal((await SnapshotAsync()).GetProperty("digest").GetString(), (await ReconcileAsync(_vfioAp)).GetProperty("digest").GetString());
    }

    [Fact]
    public Task Should_take_ApBus_s_snapshot_and_sequence_at_its_next_event_when_ApBus_s_database_is_the_older() =>
        WithRestoredApBusAsync("next", async (vfioAp, vfio, backedUp, lost) =>
        {
            // The restored ApBus's change (adapter 0 leaves): every event of it is one VfioAp had applied, by number.
            var next = await BusApi.LastSequenceAsync(_bus.ConfigAsync("1-2", "0-1", "0"));
            Assert.True(next <= lost, $"ApBus's change ends at {next}, past the {lost} VfioAp had: the test no longer shows a restore");
            await using var sender = await BusEventSender.OpenAsync(stack.Servers);
            await sender.PublishAsync(Removal(backedUp + 1, "0-2", "1-2", new Apqn(0, 0), new Apqn(0, 1)));
            var healed = await Eventually.ReadAsync(vfio.GetAsync, h => h.GetProperty("lastSequence").GetInt64() == next,
                "VfioAp to take ApBus's sequence", TimeSpan.FromSeconds(15), h => h.ToString());
            Assert.Equal("1-2", healed.GetProperty("config").GetProperty("apm").GetString());
            var guest = (await vfio.GuestsAsync()).EnumerateArray().Single();
            Assert.Equal(3, guest.GetProperty("version").GetInt64());
            Assert.Equal("1", guest.GetProperty("apcb").GetProperty("apm").GetString());

            // And the change after it (adapter 1 leaves) is applied as it comes.
            var after = await BusApi.LastSequenceAsync(_bus.ConfigAsync("2", "0-1", "0"));
            await sender.PublishAsync(Removal(next + 1, "1-2", "2", new Apqn(1, 0), new Apqn(1, 1)));
            await vfio.UntilAppliedAsync(after);
            guest = (await vfio.GuestsAsync()).EnumerateArray().Single();
            Assert.Equal(4, guest.GetProperty("version").GetInt64());
            Assert.Equal("", guest.GetProperty("apcb").GetProperty("apm").GetString());
            Assert.Equal((await SnapshotAsync()).GetProperty("digest").GetString(), (await ReconcileAsync(vfioAp)).GetProperty("digest").GetString());
        });

    [Fact]
    public Task Should_be_mended_at_its_next_event_when_a_restored_ApBus_numbers_past_what_VfioAp_had_applied() =>
        WithRestoredApBusAsync("past", async (vfioAp, vfio, backedUp, lost) =>
        {
            // Two changes of the restored ApBus (adapter 0 leaves, then adapter 1) reach past what VfioAp had applied: it
            // drops their first events and applies the rest over the history ApBus lost.
            var first = await BusApi.LastSequenceAsync(_bus.ConfigAsync("1-2", "0-1", "0"));
            var last = await BusApi.LastSequenceAsync(_bus.ConfigAsync("2", "0-1", "0"));
            Assert.True(backedUp < lost && lost < last, $"backed up at {backedUp}, VfioAp at {lost}, ApBus now at {last}: the test no longer runs past");
            await using var sender = await BusEventSender.OpenAsync(stack.Servers);
            await sender.PublishAsync([.. Removal(backedUp + 1, "0-2", "1-2", new Apqn(0, 0), new Apqn(0, 1)),
                .. Removal(first + 1, "1-2", "2", new Apqn(1, 0), new Apqn(1, 1))]);

            var mended = await Eventually.ReadAsync(vfio.GetAsync, h => h.GetProperty("config").GetProperty("apm").GetString() == "2",
                "VfioAp to hold ApBus's configuration", TimeSpan.FromSeconds(15), h => h.ToString());
            Assert.Equal(last, mended.GetProperty("lastSequence").GetInt64());
            Assert.Equal(2, mended.GetProperty("boundQueues").GetInt32());
            Assert.Equal("", (await vfio.GuestsAsync()).EnumerateArray().Single().GetProperty("apcb").GetProperty("apm").GetString());
            Assert.Equal((await SnapshotAsync()).GetProperty("digest").GetString(), (await ReconcileAsync(vfioAp)).GetProperty("digest").GetString());
        });

    /// <summary>
    /// A VfioAp of its own for the host, with no digest check or gap timeout in a test's span, so only the events a test
    /// sends make it ask ApBus; its mdev m2 holds adapters 0-1 and domains 0-1 for guest g2 (not the class's g1: the class's
    /// VfioAp, on a database of its own, numbers g1's versions too and sees the same events), with ApBus restored as
    /// <see cref="RestoreApBusAsync"/> leaves it. The test gets that VfioAp, a client of it, and the sequences that returns.
    /// </summary>
    async Task WithRestoredApBusAsync(string name, Func<WebApplication, VfioApi, long, long, Task> test)
    {
        var vfioAp = await stack.StartOwnAsync(VfioApApp.Build, "vfioap", $"{name}{_name}", builder => builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?>
            {
                ["Services:ApBus"] = _apBus.Urls.First(), ["Reconciliation:GapTimeout"] = "00:10:00", ["Reconciliation:CheckInterval"] = "00:10:00",
            }));
        try
        {
            using var vfio = new VfioApi(stack.Client(new Uri(vfioAp.Urls.First())), _hostId);
            await VfioApi.SucceedsAsync(vfio.DefineAsync("batched"));
            await vfio.MdevAsync("m2", [0, 1], [0, 1], "g2");
            var (backedUp, lost) = await RestoreApBusAsync(vfioAp);
            await test(vfioAp, vfio, backedUp, lost);
        }
        finally
        {
            await vfioAp.ShutDownAsync();
        }
    }

    /// <summary>
    /// The host defined on ApBus (adapters 0-2, per queue) and caught up on <paramref name="vfioAp"/>, ApBus's row backed up,
    /// adapters 1-2 taken away and caught up (the guest down to adapter 0 at version 2), and the backup put back: ApBus
    /// now stands where the backup did, below what VfioAp applied. Returns both sequences.
    /// </summary>
    async Task<(long BackedUp, long Lost)> RestoreApBusAsync(WebApplication vfioAp)
    {
        var backedUp = await BusApi.LastSequenceAsync(_bus.DefineAsync(new { apm = "0-2", aqm = "0-1", adm = "0", eventForm = "per-queue" }));
        Assert.True((await ReconcileAsync(vfioAp)).GetProperty("reconciled").GetBoolean());
        await using var apBusDb = new NpgsqlConnection(stack.OwnDatabase("apbus", $"truth{_name}"));
        await apBusDb.OpenAsync();
        var backup = await SqlAsync<string>(apBusDb, "SELECT row_to_json(h)::text FROM hosts h WHERE host_id = @host");
        var lost = await BusApi.LastSequenceAsync(_bus.ConfigAsync("0", "0-1", "0"));
        Assert.Equal(lost, (await ReconcileAsync(vfioAp)).GetProperty("lastSequenceAfter").GetInt64());
        await SqlAsync<object>(apBusDb, "DELETE FROM hosts WHERE host_id = @host; INSERT INTO hosts SELECT * FROM json_populate_record(NULL::hosts, @backup::json)",
            backup);
        return (backedUp, lost);
    }

    /// <summary>A per-queue scan from <paramref name="first"/> that takes adapters away: config changed, a removal per queue, scan complete.</summary>
    IBusEvent[] Removal(long first, string from, string to, params Apqn[] removed)
    {
        var (scan, current, previous) = (Guid.NewGuid(), Config(to), Config(from));
        return
        [
            new ConfigChanged(_hostId, first, scan, current, previous),
            .. removed.Select((q, i) => new QueueRemoved(_hostId, first + 1 + i, scan, q.ToString(), BoundDriver.VfioAp, RemovalReason.ConfigRemoved)),
            new ScanComplete(_hostId, first + removed.Length + 1, scan, current, previous),
        ];
    }

    static ApConfigInfo Config(string apm) => ApConfigInfo.From(new ApConfig(Bitmap256.ParseRangeList(apm), Bitmap256.ParseRangeList("0-1"), Bitmap256.Single(0)));

    async Task<T?> SqlAsync<T>(NpgsqlConnection db, string sql, string? backup = null)
    {
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.AddWithValue("host", _hostId);
        if (backup is not null) command.Parameters.AddWithValue("backup", backup);
        return (T?)await command.ExecuteScalarAsync();
    }

    [Fact]
    public async Task Should_be_refused_as_not_found_when_ApBus_knows_no_such_host()
    {
        using var response = await stack.Client(new Uri(_vfioAp.Urls.First())).PostAsync($"{_vfio.Host}/reconcile", null);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var snapshot = await stack.Client(new Uri(_apBus.Urls.First())).GetAsync($"{_bus.Host}/snapshot");
        Assert.Equal(HttpStatusCode.NotFound, snapshot.StatusCode);
    }

    Task<JsonElement> ReconcileAsync() => ReconcileAsync(_vfioAp);

    async Task<JsonElement> ReconcileAsync(WebApplication vfioAp)
    {
        using var http = stack.Client(new Uri(vfioAp.Urls.First()));
        using var response = await http.PostAsync($"{_vfio.Host}/reconcile", null);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    async Task<JsonElement> SnapshotAsync()
    {
        using var http = stack.Client(new Uri(_apBus.Urls.First()));
        return await http.GetFromJsonAsync<JsonElement>($"{_bus.Host}/snapshot");
    }

    public async Task DisposeAsync()
    {
        _bus.Dispose();
        _vfio.Dispose();
        foreach (var app in new[] { _vfioAp, _apBus })
        {
            await app.ShutDownAsync();
        }
    }
}
