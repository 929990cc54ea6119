using Apmatrix.Contracts;
using Apmatrix.Integration.Tests.ApBus;
using Npgsql;

namespace Apmatrix.Integration.Tests.VfioAp;

[Collection("stack")]
public class Resending_unacknowledged_updates(StackFixture stack)
{
    [Fact]
    public async Task Should_send_a_guest_only_its_lowest_unacknowledged_version_again()
    {
        var host = VfioApi.NewHost();
        using var api = new VfioApi(stack.Client(stack.VfioAp), host);
        await VfioApi.SucceedsAsync(api.DefineAsync("batched"));
        await using var tap = await ExchangeTap.OpenAsync(stack.Servers, nameof(ApplyApcbs));
        // Version 1 acknowledged; 2 and 3 sent an hour ago and lost. GuestVm never had 1, so it holds 2 as pending and acknowledges
        // it only once that gap has lasted Guests:GapTimeout (10 s here), about when the second re-send this waits for comes.
        await using (var db = new NpgsqlConnection(stack.Database("vfioap")))
        {
            await db.OpenAsync();
            await using var insert = new NpgsqlCommand("""
                INSERT INTO guest_updates (host_id, guest, version, apm, aqm, adm, mdev, created_at, sent_at, acked_at)
                SELECT @host, 'g1', v, @empty, @empty, @empty, 'm1', now() - interval '1 hour', now() - interval '1 hour',
                       CASE WHEN v = 1 THEN now() END
                FROM generate_series(1, 3) AS v
                """, db);
            insert.Parameters.AddWithValue("host", host);
            insert.Parameters.AddWithValue("empty", new byte[32]);
            await insert.ExecuteNonQueryAsync();
        }

        var sent = await tap.UntilAsync(host, messages => messages.Count(m => Version(m) == 2) >= 2);

        Assert.All(sent, m => Assert.Equal(2, Version(m)));
        // Version 3 waits for 2, until GuestVm gives up the gap at 1 and VfioAp sends 3 in turn.
        Assert.InRange((await api.GetAsync()).GetProperty("unacknowledgedUpdates").GetInt32(), 1, 2);
    }

    /// <summary>The version of the one guest update a re-send carries.</summary>
    static long Version(Tapped message) => Assert.Single(message.Message.GetProperty("guests").EnumerateArray()).GetProperty("version").GetInt64();
}
