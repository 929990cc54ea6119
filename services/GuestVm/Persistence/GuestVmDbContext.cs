using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.GuestVm.Persistence;

public sealed class GuestVmDbContext(DbContextOptions<GuestVmDbContext> options) : DbContext(options)
{
    public DbSet<GuestRecord> Guests => Set<GuestRecord>();
    public DbSet<PendingApcb> PendingApcbs => Set<PendingApcb>();
    public DbSet<ApcbHistoryEntry> ApcbHistory => Set<ApcbHistoryEntry>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.ApplyConfigurationsFromAssembly(typeof(GuestVmDbContext).Assembly);
        model.AddOutbox();
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions) => conventions.AddBitmapColumns();
}
