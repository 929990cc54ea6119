using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Apmatrix.VfioAp.Persistence;

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
