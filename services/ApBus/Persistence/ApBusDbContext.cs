using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.ApBus.Persistence;

public sealed class ApBusDbContext(DbContextOptions<ApBusDbContext> options) : DbContext(options)
{
    public DbSet<HostRecord> Hosts => Set<HostRecord>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.ApplyConfiguration(new HostRecordConfiguration());
        model.AddOutbox();
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions) => conventions.AddBitmapColumns();
}
