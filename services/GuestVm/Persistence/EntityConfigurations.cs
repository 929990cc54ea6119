using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Apmatrix.GuestVm.Persistence;

public sealed class GuestRecordConfiguration : IEntityTypeConfiguration<GuestRecord>
{
    public void Configure(EntityTypeBuilder<GuestRecord> guest)
    {
        guest.ToTable("guests");
        guest.HasKey(g => new { g.HostId, g.GuestId });
        guest.Property(g => g.HostId).HasColumnName("host_id");
        guest.Property(g => g.GuestId).HasColumnName("guest_id");
        guest.Property(g => g.Vcpus).HasColumnName("vcpus");
        guest.Property(g => g.Format).HasColumnName("format").HasConversion<string>();
        guest.Property(g => g.Apm).HasColumnName("apm").HasConversion(BitmapColumn.Converter);
        guest.Property(g => g.Aqm).HasColumnName("aqm").HasConversion(BitmapColumn.Converter);
        guest.Property(g => g.Adm).HasColumnName("adm").HasConversion(BitmapColumn.Converter);
        guest.Property(g => g.Crycb).HasColumnName("crycb");
        guest.Property(g => g.Mdev).HasColumnName("mdev");
        guest.Property(g => g.Version).HasColumnName("version");
        guest.Property(g => g.UpdateCount).HasColumnName("update_count");
        guest.Property(g => g.SuspendedMilliseconds).HasColumnName("suspended_ms");
        guest.Property(g => g.AppliedAt).HasColumnName("applied_at");
        guest.Ignore(g => g.Apcb);
    }
}

public sealed class PendingApcbConfiguration : IEntityTypeConfiguration<PendingApcb>
{
    public void Configure(EntityTypeBuilder<PendingApcb> pending)
    {
        pending.ToTable("pending_apcb");
        pending.HasKey(p => new { p.HostId, p.GuestId, p.Version });
        pending.Property(p => p.HostId).HasColumnName("host_id");
        pending.Property(p => p.GuestId).HasColumnName("guest_id");
        pending.Property(p => p.Version).HasColumnName("version");
        pending.Property(p => p.Apm).HasColumnName("apm").HasConversion(BitmapColumn.Converter);
        pending.Property(p => p.Aqm).HasColumnName("aqm").HasConversion(BitmapColumn.Converter);
        pending.Property(p => p.Adm).HasColumnName("adm").HasConversion(BitmapColumn.Converter);
        pending.Property(p => p.Mdev).HasColumnName("mdev");
        pending.Property(p => p.ReceivedAt).HasColumnName("received_at").HasDefaultValueSql("now()");
        pending.Ignore(p => p.Masks);
    }
}

public sealed class ApcbHistoryEntryConfiguration : IEntityTypeConfiguration<ApcbHistoryEntry>
{
    public void Configure(EntityTypeBuilder<ApcbHistoryEntry> history)
    {
        history.ToTable("apcb_history");
        history.HasKey(h => new { h.HostId, h.GuestId, h.Version });
        history.Property(h => h.HostId).HasColumnName("host_id");
        history.Property(h => h.GuestId).HasColumnName("guest_id");
        history.Property(h => h.Version).HasColumnName("version");
        history.Property(h => h.Apm).HasColumnName("apm").HasConversion(BitmapColumn.Converter);
        history.Property(h => h.Aqm).HasColumnName("aqm").HasConversion(BitmapColumn.Converter);
        history.Property(h => h.Adm).HasColumnName("adm").HasConversion(BitmapColumn.Converter);
        history.Property(h => h.Mdev).HasColumnName("mdev");
        history.Property(h => h.SuspendedMilliseconds).HasColumnName("suspended_ms");
        history.Property(h => h.AppliedAt).HasColumnName("applied_at");
    }
}
