using Apmatrix.Engine;
using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Apmatrix.VfioAp.Persistence;

public sealed class VfioApDbContext : DbContext
{
    // No savepoint around SaveChanges in a transaction: a failure rolls the whole transaction back and the work is
    // retried from the start, so the savepoint and its release would only cost their round trips.
    public VfioApDbContext(DbContextOptions<VfioApDbContext> options) : base(options) => Database.AutoSavepointsEnabled = false;

    public DbSet<HostRow> Hosts => Set<HostRow>();
    public DbSet<MdevRow> Mdevs => Set<MdevRow>();
    public DbSet<GuestRow> Guests => Set<GuestRow>();
    public DbSet<GuestUpdateRow> GuestUpdates => Set<GuestUpdateRow>();
    public DbSet<PendingBusEvent> PendingBusEvents => Set<PendingBusEvent>();
    public DbSet<MaskReservationRow> MaskReservations => Set<MaskReservationRow>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.ApplyConfigurationsFromAssembly(typeof(VfioApDbContext).Assembly);
        model.AddOutbox();
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder conventions)
    {
        conventions.AddBinaryColumns();
        conventions.Properties<HotPlugMode>().HaveConversion<ModeConverter>();
    }

    sealed class ModeConverter() : ValueConverter<HotPlugMode, string>(mode => HotPlugModes.Name(mode), text => HotPlugModes.Parse(text));
}
