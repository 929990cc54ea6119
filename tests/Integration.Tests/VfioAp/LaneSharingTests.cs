using System.Diagnostics;
using Apmatrix.Hosting;
using Apmatrix.Scenarios.Stack;
using Apmatrix.VfioAp;
using Apmatrix.VfioAp.Persistence;
using Npgsql;

namespace Apmatrix.Integration.Tests.VfioAp;

/// <summary>
/// A VfioAp instance that loses its database session keeps consuming the lanes it holds (single active consumer does not
/// ask the database), so its lane count must not drop to none meanwhile: that would page "lanes unowned" beside the
/// database alert, for one cause.
/// </summary>
[Collection("stack")]
public class A_lane_member_losing_its_database_session(StackFixture stack)
{
    const string LanesOwned = "apmatrix_vfioap_lanes_owned";
    const string Name = "lane-session";

    [Fact]
    public async Task Should_keep_counting_the_lanes_it_holds_until_it_joins_again()
    {
        var own = await stack.StartOwnAsync(VfioApApp.Build, "vfioap", Name, _ => { });
        try
        {
            using var metrics = stack.Client(new Uri(own.Urls.First()));
            Assert.Equal(16, await Eventually.ReadAsync(() => MetricText.SumAsync(metrics, LanesOwned), owned => owned > 0, "the instance to take its lanes"));
            await using var db = new NpgsqlConnection(stack.OwnDatabase("vfioap", Name));
            await db.OpenAsync();
            var member = await MemberSessionAsync(db);
            Assert.NotNull(member);

            await using (var end = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", db) { Parameters = { new("pid", member) } })
                Assert.True((bool)(await end.ExecuteScalarAsync())!);

            // The session is found lost at the next 2 s poll and joined again about 2.5 s later: read the count all that while.
            var seen = new List<double>();
            for (var clock = Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(7); await Task.Delay(100)) seen.Add(await MetricText.SumAsync(metrics, LanesOwned));
            var rejoined = await Eventually.ReadAsync(() => MemberSessionAsync(db), pid => pid is not null && pid != member, "the instance to join again");

            Assert.NotEqual(member, rejoined);
            Assert.All(seen, owned => Assert.Equal(16, owned));
        }
        finally
        {
            await own.ShutDownAsync();
        }
    }

    /// <summary>The server process of the session holding the instance's member slot (LaneSharing's advisory lock), if any.</summary>
    static async Task<int?> MemberSessionAsync(NpgsqlConnection db)
    {
        await using var read = new NpgsqlCommand($"""
            SELECT pid FROM pg_locks
            WHERE locktype = 'advisory' AND classid = {LaneSharing<VfioApDbContext>.MemberClass} AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, db);
        return await read.ExecuteScalarAsync() as int?;
    }
}
