using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Apmatrix.VfioAp.Persistence;

sealed class HostRowConfiguration : IEntityTypeConfiguration<HostRow>
{
    public void Configure(EntityTypeBuilder<HostRow> host)
    {
        host.ToTable("hosts").HasKey(h => h.HostId).HasName("pk_hosts");
        host.Property(h => h.Mode).HasMaxLength(16);
        host.SnakeCaseColumns();
    }
}

sealed class MdevRowConfiguration : IEntityTypeConfiguration<MdevRow>
{
    public void Configure(EntityTypeBuilder<MdevRow> mdev)
    {
        mdev.ToTable("mdevs").HasKey(m => new { m.HostId, m.Name }).HasName("pk_mdevs");
        mdev.HasOne<HostRow>().WithMany().HasForeignKey(m => m.HostId).HasConstraintName("fk_mdevs_hosts");
        mdev.Ignore(m => m.Assigned).Ignore(m => m.Shadow).Ignore(m => m.Added);
        mdev.SnakeCaseColumns();
    }
}

sealed class GuestRowConfiguration : IEntityTypeConfiguration<GuestRow>
{
    public void Configure(EntityTypeBuilder<GuestRow> guest)
    {
        guest.ToTable("guests").HasKey(g => new { g.HostId, g.Name }).HasName("pk_guests");
        guest.HasOne<HostRow>().WithMany().HasForeignKey(g => g.HostId).HasConstraintName("fk_guests_hosts");
        guest.Ignore(g => g.Apcb);
        guest.SnakeCaseColumns();
    }
}

sealed class GuestUpdateRowConfiguration : IEntityTypeConfiguration<GuestUpdateRow>
{
    public void Configure(EntityTypeBuilder<GuestUpdateRow> update)
    {
        update.ToTable("guest_updates").HasKey(u => new { u.HostId, u.Guest, u.Version }).HasName("pk_guest_updates");
        // The re-sender scans only what is still unacknowledged.
        update.HasIndex(u => u.SentAt).HasDatabaseName("ix_guest_updates_unacked_sent_at").HasFilter("acked_at IS NULL");
        update.SnakeCaseColumns();
    }
}

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
