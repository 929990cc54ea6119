using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.GuestVm.Persistence;

public sealed class GuestVmDbContext : DbContext
{
    // No savepoint around SaveChanges in a transaction: a failure rolls the whole transaction back and the work is
    // retried from the start, so the savepoint and its release would only cost their round trips.
    public GuestVmDbContext(DbContextOptions<GuestVmDbContext> options) : base(options) => Database.AutoSavepointsEnabled = false;

    public DbSet<GuestRecord> Guests => Set<GuestRecord>();
    public DbSet<PendingApcb> PendingApcbs => Set<PendingApcb>();
    public DbSet<ApcbHistoryEntry> ApcbHistory => Set<ApcbHistoryEntry>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.ApplyConfigurationsFromAssembly(typeof(GuestVmDbContext).Assembly);
        model.AddOutbox();
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions) => conventions.AddBinaryColumns();
}
