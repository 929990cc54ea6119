using Apmatrix.ApBus.Persistence;
using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.Integration.Tests.ApBus;

[Collection("stack")]
public class Writing_the_outbox(StackFixture stack)
{
    /// <summary>A few rows take one INSERT, many take COPY: both must store the same messages in the order given, packed or not.</summary>
    [Theory]
    [InlineData(3, 1)]
    [InlineData(64, 1)]
    [InlineData(65, 1)]
    [InlineData(300, 1)]
    [InlineData(300, 4)]
    [InlineData(3000, 32)]
    public async Task Should_store_every_message_in_the_order_given(int count, int perRow)
    {
        var database = $"apbus_outbox_it_{Guid.NewGuid():N}";
        await stack.Servers.CreateDatabaseAsync("apbus", database);
        try
        {
            await using var db = new ApBusDbContext(new DbContextOptionsBuilder<ApBusDbContext>()
                .UseNpgsql(stack.Servers.DatabaseOf("apbus", database)).Options);
            await db.Database.MigrateAsync();
            var scan = Guid.NewGuid();
            var messages = Enumerable.Range(1, count)
                .Select(i => new QueueProbed($"h{i / 40 % 3}", i, scan, new Apqn(i >> 8 & 0xff, i & 0xff).ToString(), BoundDriver.VfioAp)).ToList();

            await using (var transaction = await db.Database.BeginTransactionAsync())
            {
                await db.EnqueueAsync(messages, m => m.HostId, CancellationToken.None, perRow);
                await transaction.CommitAsync();
            }

            var rows = await db.Set<OutboxMessage>().AsNoTracking().OrderBy(r => r.Sequence).ToListAsync();
            var unpacked = rows.SelectMany(r => OutboxRows.Unpack(r.MessageType, r.Body).Messages.Select(m => (Message: m, Key: r.PartitionKey))).ToList();
            Assert.Equal(messages, unpacked.Select(u => u.Message));
            Assert.Equal(messages.Select(m => m.HostId), unpacked.Select(u => u.Key));
            if (perRow == 1) Assert.All(rows, r => Assert.Equal(typeof(QueueProbed).FullName, r.MessageType));
            Assert.Equal(rows.Count, rows.Select(r => r.MessageId).Distinct().Count());
            Assert.All(rows, r => Assert.Null(r.TraceParent));
        }
        finally
        {
            await stack.Servers.DropDatabaseAsync(database);
        }
    }
}
