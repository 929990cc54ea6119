using System.Net.Http.Json;
using System.Text.Json;
using Apmatrix.GuestVm;
using Apmatrix.GuestVm.Maintenance;
using Apmatrix.GuestVm.Persistence;
using Apmatrix.Integration.Tests.VfioAp;
using Apmatrix.VfioAp;
using Apmatrix.VfioAp.Maintenance;
using Apmatrix.VfioAp.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Apmatrix.Integration.Tests.Health;

/// <summary>
/// One pruning round on rows seeded with old timestamps deletes exactly what can never be needed again, in batches
/// of two (so the batching loop runs), and leaves what the APIs show unchanged.
/// </summary>
[Collection("stack")]
public class Pruning_deletes_only_what_is_finished(StackFixture stack)
{
    const string Zero = "decode(repeat('00', 32), 'hex')";

    [Fact]
    public async Task Should_prune_acknowledged_updates_but_each_guests_latest_and_parked_events_already_applied()
    {
        var app = await stack.StartOwnAsync(VfioApApp.Build, "vfioap", "prune", Settings);
        try
        {
            var host = VfioApi.NewHost();
            using var api = new VfioApi(stack.Client(new Uri(app.Urls.First())), host);
            await using var bus = await BusEventSender.OpenAsync(stack.Servers);
            await bus.PublishAsync(BusEventSender.Scan(host, 1, "1", "1-2", ""));
            await api.UntilAppliedAsync(4);

            await using (var scope = app.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<VfioApDbContext>();
                await db.Database.ExecuteSqlRawAsync($$"""
                    INSERT INTO guest_updates (host_id, guest, version, apm, aqm, adm, created_at, sent_at, acked_at) VALUES
                      ({0}, 'g1', 1, {{Zero}}, {{Zero}}, {{Zero}}, now() - interval '10 days', now(), now() - interval '10 days'),
                      ({0}, 'g1', 2, {{Zero}}, {{Zero}}, {{Zero}}, now() - interval '10 days', now(), now() - interval '10 days'),
                      ({0}, 'g1', 3, {{Zero}}, {{Zero}}, {{Zero}}, now() - interval '10 days', now(), now() - interval '10 days'),
                      ({0}, 'g1', 4, {{Zero}}, {{Zero}}, {{Zero}}, now() - interval '10 days', now(), NULL),
                      ({0}, 'g2', 1, {{Zero}}, {{Zero}}, {{Zero}}, now() - interval '1 day', now(), now() - interval '1 day'),
                      ({0}, 'g2', 2, {{Zero}}, {{Zero}}, {{Zero}}, now() - interval '1 day', now(), now() - interval '1 day'),
                      ({0}, 'g3', 1, {{Zero}}, {{Zero}}, {{Zero}}, now() - interval '10 days', now(), now() - interval '10 days');
                    INSERT INTO pending_bus_events (host_id, sequence, kind) VALUES ({0}, 2, 2), ({0}, 3, 2), ({0}, 9, 2);
                    """, host);
            }

            var deleted = await app.Services.GetRequiredService<VfioApPruner>().PruneAsync(CancellationToken.None);

            await using (var scope = app.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<VfioApDbContext>();
                var updates = await db.GuestUpdates.Where(u => u.HostId == host).OrderBy(u => u.Guest).ThenBy(u => u.Version)
                    .Select(u => u.Guest + ":" + u.Version).ToListAsync();
                Assert.Equal(["g1:3", "g1:4", "g2:1", "g2:2", "g3:1"], updates);
                var parked = await db.Database.SqlQuery<long>($"SELECT sequence AS \"Value\" FROM pending_bus_events WHERE host_id = {host}").ToListAsync();
                Assert.Equal([9L], parked);
            }
            Assert.Equal(2, deleted["acknowledged guest updates"]);
            Assert.Equal(2, deleted["applied parked bus events"]);
        }
        finally
        {
            await app.ShutDownAsync();
        }
    }

    [Fact]
    public async Task Should_prune_old_history_outside_the_newest_versions_and_parked_versions_already_applied()
    {
        var app = await stack.StartOwnAsync(GuestVmApp.Build, "guestvm", "prune", Settings);
        try
        {
            var host = $"it-prune-{Guid.NewGuid():N}";
            using var http = stack.Client(new Uri(app.Urls.First()));
            (await http.PutAsJsonAsync($"/hosts/{host}/guests/g1", new { vcpus = 2, format = "Apcb1" })).EnsureSuccessStatusCode();
            await using (var scope = app.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<GuestVmDbContext>();
                await db.Database.ExecuteSqlRawAsync($$"""
                    UPDATE guests SET version = 150 WHERE host_id = {0} AND guest_id = 'g1';
                    INSERT INTO apcb_history (host_id, guest_id, version, apm, aqm, adm, suspended_ms, applied_at)
                      SELECT {0}, 'g1', v, {{Zero}}, {{Zero}}, {{Zero}}, 0, CASE WHEN v = 20 THEN now() ELSE now() - interval '10 days' END
                      FROM generate_series(1, 150) v;
                    INSERT INTO pending_apcb (host_id, guest_id, version, apm, aqm, adm) VALUES
                      ({0}, 'g1', 3, {{Zero}}, {{Zero}}, {{Zero}}), ({0}, 'g1', 200, {{Zero}}, {{Zero}}, {{Zero}});
                    """, host);
            }
            var shown = await http.GetFromJsonAsync<JsonElement>($"/hosts/{host}/guests/g1");

            var deleted = await app.Services.GetRequiredService<GuestVmPruner>().PruneAsync(CancellationToken.None);

            Assert.Equal(shown.ToString(), (await http.GetFromJsonAsync<JsonElement>($"/hosts/{host}/guests/g1")).ToString());
            await using (var scope = app.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<GuestVmDbContext>();
                var kept = await db.ApcbHistory.Where(h => h.HostId == host).OrderBy(h => h.Version).Select(h => h.Version).ToListAsync();
                Assert.Equal([20L, .. Enumerable.Range(51, 100).Select(v => (long)v)], kept);
                var parked = await db.Database.SqlQuery<long>($"SELECT version AS \"Value\" FROM pending_apcb WHERE host_id = {host}").ToListAsync();
                Assert.Equal([200L], parked);
            }
            Assert.Equal(49, deleted["APCB history entries"]);
            Assert.Equal(1, deleted["applied parked versions"]);
        }
        finally
        {
            await app.ShutDownAsync();
        }
    }

    /// <summary>Batches of two so the loop runs; no re-sends, so nothing acknowledges behind the test's back.</summary>
    static void Settings(WebApplicationBuilder builder) => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Retention:BatchSize"] = "2", ["Retention:Pause"] = "00:00:00", ["Updates:ResendAfter"] = "01:00:00",
    });
}
