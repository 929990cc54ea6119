using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Apmatrix.VfioAp.Persistence;

sealed class PendingBusEventConfiguration : IEntityTypeConfiguration<PendingBusEvent>
{
    public void Configure(EntityTypeBuilder<PendingBusEvent> pending)
    {
        pending.ToTable("pending_bus_events").HasKey(e => new { e.HostId, e.Sequence }).HasName("pk_pending_bus_events");
        pending.Property(e => e.Kind).HasConversion<short>();
        pending.Property(e => e.Driver).HasConversion<short?>();
        pending.Property(e => e.Body).HasColumnType("jsonb");
        pending.SnakeCaseColumns();
    }
}
