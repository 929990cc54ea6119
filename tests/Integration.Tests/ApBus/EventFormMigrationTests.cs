using Apmatrix.Contracts;
using Apmatrix.ApBus.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Apmatrix.Integration.Tests.ApBus;

[Collection("stack")]
public class Upgrading_apbus_s_hosts_table(StackFixture stack)
{
    const string Initial = "20261125085840_Initial";

    [Fact]
    public async Task Should_keep_a_host_defined_before_the_event_form_per_queue()
    {
        var database = $"apbus_upgrade_it_{Guid.NewGuid():N}";
        await stack.Servers.CreateDatabaseAsync("apbus", database);
        try
        {
            await using var db = new ApBusDbContext(new DbContextOptionsBuilder<ApBusDbContext>()
                .UseNpgsql(stack.Servers.DatabaseOf("apbus", database)).Options);
            await db.GetService<IMigrator>().MigrateAsync(Initial);
            var bitmap = new byte[32];
            var devices = new byte[256 * 32];
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO hosts (host_id, apm, aqm, adm, max_adapter, max_domain, previous_apm, previous_aqm, previous_adm, apmask, aqmask,
                                   queue_devices, next_sequence, open_scan_id)
                VALUES ('old', {bitmap}, {bitmap}, {bitmap}, 255, 255, {bitmap}, {bitmap}, {bitmap}, {bitmap}, {bitmap}, {devices}, 7, NULL)
                """);

            await db.Database.MigrateAsync();

            var old = await db.Hosts.AsNoTracking().SingleAsync();
            Assert.Equal(BusEventForm.PerQueue, old.EventForm);
            Assert.Equal(6, old.LastSequence);
        }
        finally
        {
            await stack.Servers.DropDatabaseAsync(database);
        }
    }
}
