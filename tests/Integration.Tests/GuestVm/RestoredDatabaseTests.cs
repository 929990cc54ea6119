using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.Integration.Tests.VfioAp;
using Npgsql;

namespace Apmatrix.Integration.Tests.GuestVm;

/// <summary>
/// A database restored from an older backup, made by setting a guest's rows back: VfioAp and GuestVm then disagree on
/// which versions the guest had, and the guest still ends with VfioAp's APCB for it, numbered past both, without a hand.
/// </summary>
[Collection("stack")]
public class A_database_restored_from_an_older_backup(StackFixture stack)
{
    /// <summary>Adapters 4 and 5 on the guest (versions 1 and 2), as VfioAp and GuestVm both have it.</summary>
    async Task<(VfioApi Api, string GuestPath, HttpClient GuestVm)> GuestAtVersion2Async()
    {
        var host = VfioApi.NewHost();
        var api = new VfioApi(stack.Client(stack.VfioAp), host);
        await using var bus = await BusEventSender.OpenAsync(stack.Servers);
        await bus.PublishAsync(BusEventSender.Scan(host, 1, "4-5", "4", ""));
        await api.UntilAppliedAsync(4);
        await api.MdevAsync("m1", [4], [4], guest: "g1");
        await VfioApi.SucceedsAsync(api.AdminAsync("m1", "assign-adapter", 5));
        var guestVm = stack.Client(stack.GuestVm);
        var path = $"/hosts/{host}/guests/g1";
        Assert.Equal("4-5", (await Guests.UntilVersionAsync(guestVm, path, 2)).GetProperty("apm").GetString());
        return (api, path, guestVm);
    }

    [Fact]
    public async Task Should_send_the_guest_vfio_ap_s_apcb_again_when_vfio_ap_s_is_the_older()
    {
        var (api, path, guestVm) = await GuestAtVersion2Async();
        using var _ = api;
        using var __ = guestVm;

        // VfioAp as restored from before version 2: it numbers its next update 2 again, with other masks.
        await SqlAsync(stack.Database("vfioap"), api, """
            UPDATE guests SET version = 1 WHERE host_id = @host AND name = 'g1';
            DELETE FROM guest_updates WHERE host_id = @host AND guest = 'g1' AND version = 2;
            UPDATE hosts SET state_version = state_version + 1 WHERE host_id = @host;
            """);
        await VfioApi.SucceedsAsync(api.AdminAsync("m1", "unassign-adapter", 5));

        var conflicted = await Guests.UntilVersionAsync(guestVm, path, 3);
        Assert.Equal("4", conflicted.GetProperty("apm").GetString());

        // Again from before version 1, its update 1 re-sent: GuestVm holds 3, above anything VfioAp numbered since.
        await SqlAsync(stack.Database("vfioap"), api, """
            UPDATE guests SET version = 1 WHERE host_id = @host AND name = 'g1';
            UPDATE guest_updates SET acked_at = NULL, sent_at = now() - interval '1 hour' WHERE host_id = @host AND guest = 'g1' AND version = 1;
            DELETE FROM guest_updates WHERE host_id = @host AND guest = 'g1' AND version > 1;
            UPDATE hosts SET state_version = state_version + 1 WHERE host_id = @host;
            """);

        var ahead = await Guests.UntilVersionAsync(guestVm, path, 4);
        Assert.Equal("4", ahead.GetProperty("apm").GetString());
        await Eventually.TrueAsync(async () => (await api.GuestsAsync())[0].GetProperty("acknowledgedVersion").GetInt64() == 4,
            "VfioAp to number the guest's update 4 and have it acknowledged");
    }

    [Fact]
    public async Task Should_let_the_guest_skip_the_versions_it_lost_when_guest_vm_s_is_the_older()
    {
        var (api, path, guestVm) = await GuestAtVersion2Async();
        using var _ = api;
        using var __ = guestVm;

        // GuestVm as restored from before version 2: VfioAp's next update, 3, waits at the gap that version 2 left.
        await SqlAsync(stack.Database("guestvm"), api, "UPDATE guests SET version = 1 WHERE host_id = @host AND guest_id = 'g1'");
        await VfioApi.SucceedsAsync(api.AdminAsync("m1", "unassign-adapter", 4));

        var skipped = await Guests.UntilVersionAsync(guestVm, path, 3);
        Assert.Equal("5", skipped.GetProperty("apm").GetString());
        var history = (await guestVm.GetFromJsonAsync<JsonElement>(path)).GetProperty("history").EnumerateArray()
            .Select(h => h.GetProperty("version").GetInt64()).ToList();
        Assert.Equal([3, 2, 1], history);
    }

    static async Task SqlAsync(string database, VfioApi api, string sql)
    {
        await using var db = new NpgsqlConnection(database);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        command.Parameters.AddWithValue("host", api.Host["/hosts/".Length..]);
        await command.ExecuteNonQueryAsync();
    }
}
