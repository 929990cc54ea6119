using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.ApBus.Persistence;

public sealed class ApBusDbContext : DbContext
{
    // No savepoint around SaveChanges in a transaction: a failure rolls the whole transaction back and the work is
    // retried from the start, so the savepoint and its release would only cost their round trips.
    public ApBusDbContext(DbContextOptions<ApBusDbContext> options) : base(options) => Database.AutoSavepointsEnabled = false;

    public DbSet<HostRecord> Hosts => Set<HostRecord>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.ApplyConfiguration(new HostRecordConfiguration());
        model.AddOutbox();
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions) => conventions.AddBinaryColumns();
}
