using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Hosting;
using Apmatrix.Integration.Tests.VfioAp;
using Apmatrix.VfioAp;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Apmatrix.Integration.Tests.GuestVm;

/// <summary>
/// A database restored from an older backup, made by setting a guest's rows back: VfioAp and GuestVm then disagree on
/// which versions the guest had, and the guest still ends with VfioAp's APCB for it, at a version both agree on and
/// acknowledged, without a hand. The tests wait for that end, not for a given number of updates: the suite's other
/// stacks share the broker's exchanges, and their GuestVm instances answer for the guest too.
/// </summary>
[Collection("stack")]
public class A_database_restored_from_an_older_backup(StackFixture stack)
{
    /// <summary>
    /// VfioAp's guest set back to version 1, its update 2 gone; made by hand, not a backup's state: its masks (4-5) and the
    /// mdev's stay, so the next update differs from GuestVm's version 2 only in its masks. A hand edit raises state_version.
    /// </summary>
    const string VfioApBeforeVersion2 = """
        UPDATE guests SET version = 1 WHERE host_id = @host AND name = 'g1';
        DELETE FROM guest_updates WHERE host_id = @host AND guest = 'g1' AND version = 2;
        UPDATE hosts SET state_version = state_version + 1 WHERE host_id = @host;
        """;

    [Fact]
    public async Task Should_send_the_guest_vfio_ap_s_apcb_again_when_vfio_ap_s_is_the_older()
    {
        await using var guest = await GuestAtVersion2Async();

        // VfioAp as restored from before version 2: it numbers its next update 2 again, with other masks.
        await guest.SqlAsync("vfioap", VfioApBeforeVersion2);
        await VfioApi.SucceedsAsync(guest.Api.AdminAsync("m1", "unassign-adapter", 5));
        var conflicted = await guest.UntilAgreedAsync("4");

        // Again from before version 1, its update 1 re-sent: GuestVm holds a version above anything VfioAp numbered since.
        await guest.SqlAsync("vfioap", """
            UPDATE guests SET version = 1 WHERE host_id = @host AND name = 'g1';
            UPDATE guest_updates SET acked_at = NULL, sent_at = now() - interval '1 hour' WHERE host_id = @host AND guest = 'g1' AND version = 1;
            DELETE FROM guest_updates WHERE host_id = @host AND guest = 'g1' AND version > 1;
            UPDATE hosts SET state_version = state_version + 1 WHERE host_id = @host;
            """);

        Assert.True(await guest.UntilAgreedAsync("4", above: conflicted) > conflicted);
    }

    [Fact]
    public async Task Should_find_a_guest_ahead_of_vfio_ap_with_no_change_to_show_it()
    {
        await using var guest = await GuestAtVersion2Async();

        // Restored from before version 2, every update acknowledged: only a periodic ask finds it, here a second instance's.
        await guest.SqlAsync("vfioap", VfioApBeforeVersion2);
        var asking = await stack.StartOwnAsync(VfioApApp.Build, "vfioap", "asking", builder => builder.Configuration.AddInMemoryCollection(
            new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = stack.Database("vfioap"), ["Updates:VerifyEvery"] = "00:00:02" }));
        try
        {
            Assert.True(await guest.UntilAgreedAsync("4-5", above: 2) >= 3);
        }
        finally
        {
            await asking.ShutDownAsync();
        }
    }

    [Fact]
    public async Task Should_let_the_guest_skip_the_versions_it_lost_when_guest_vm_s_is_the_older()
    {
        await using var guest = await GuestAtVersion2Async();

        // GuestVm as restored from before version 2: VfioAp's next update, 3, waits at the gap version 2 left, unless
        // VfioAp's periodic ask sent version 2 first.
        await guest.SqlAsync("guestvm", """
            UPDATE guests SET version = 1, apm = @adapter4 WHERE host_id = @host AND guest_id = 'g1';
            DELETE FROM apcb_history WHERE host_id = @host AND guest_id = 'g1' AND version > 1;
            """);
        await VfioApi.SucceedsAsync(guest.Api.AdminAsync("m1", "unassign-adapter", 4));

        Assert.Equal(3, await guest.UntilAgreedAsync("5"));
        var history = (await guest.GuestVm.GetFromJsonAsync<JsonElement>(guest.Path)).GetProperty("history").EnumerateArray()
            .Select(h => h.GetProperty("version").GetInt64()).ToList();
        Assert.Equal([3, 1], [history[0], history[^1]]);
    }

    /// <summary>Adapters 4 and 5 on the guest (versions 1 and 2), as VfioAp and GuestVm both have it.</summary>
    async Task<RestoredGuest> GuestAtVersion2Async()
    {
        var host = VfioApi.NewHost();
        var guest = new RestoredGuest(stack, host);
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        await bus.PublishAsync(BusEventSender.Scan(host, 1, "4-5", "4", ""));
        await guest.Api.UntilAppliedAsync(4);
        await guest.Api.MdevAsync("m1", [4], [4], guest: "g1");
        await VfioApi.SucceedsAsync(guest.Api.AdminAsync("m1", "assign-adapter", 5));
        Assert.Equal(2, await guest.UntilAgreedAsync("4-5"));
        return guest;
    }

    sealed class RestoredGuest(StackFixture stack, string host) : IAsyncDisposable
    {
        public VfioApi Api { get; } = new(stack.Client(stack.VfioAp), host);
        public HttpClient GuestVm { get; } = stack.Client(stack.GuestVm);
        public string Path => $"/hosts/{host}/guests/g1";

        /// <summary>
        /// Waits until GuestVm's guest holds <paramref name="apm"/> at a version above <paramref name="above"/>, VfioAp's
        /// last version for it, acknowledged; returns that version.
        /// </summary>
        public async Task<long> UntilAgreedAsync(string apm, long above = 0)
        {
            var seenLast = await Eventually.ReadAsync(async () =>
                {
                    var numbered = (await Api.GuestsAsync()).EnumerateArray().Single(g => g.GetProperty("guest").GetString() == "g1");
                    using var response = await GuestVm.GetAsync(Path);
                    return (numbered, guestVm: response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : default);
                },
                seen => seen.guestVm.ValueKind == JsonValueKind.Object && seen.guestVm.GetProperty("apm").GetString() == apm
                        && seen.guestVm.GetProperty("version").GetInt64() is var version && version > above
                        && version == seen.numbered.GetProperty("version").GetInt64()
                        && version == seen.numbered.GetProperty("acknowledgedVersion").GetInt64(),
                $"{Path} to hold {apm} at VfioAp's last version above {above}, acknowledged",
                describe: seen => $"VfioAp {seen.numbered}; GuestVm {seen.guestVm}");
            return seenLast.guestVm.GetProperty("version").GetInt64();
        }

        /// <summary>Sets the guest's rows back in a service's database, as a restore from an older backup would have them.</summary>
        public async Task SqlAsync(string service, string sql)
        {
            await using var db = new NpgsqlConnection(stack.Database(service));
            await db.OpenAsync();
            await using var command = new NpgsqlCommand(sql, db);
            command.Parameters.AddWithValue("host", host);
            if (sql.Contains("@adapter4")) command.Parameters.AddWithValue("adapter4", BitmapColumn.ToBytes(Bitmap256.Single(4)));
            await command.ExecuteNonQueryAsync();
        }

        public ValueTask DisposeAsync()
        {
            Api.Dispose();
            GuestVm.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
