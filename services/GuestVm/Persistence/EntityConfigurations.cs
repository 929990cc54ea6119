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
        guest.Property(g => g.Format).HasConversion<string>();
        guest.Ignore(g => g.Apcb);
        guest.SnakeCaseColumns();
        guest.Property(g => g.SuspendedMilliseconds).HasColumnName("suspended_ms");
    }
}

public sealed class PendingApcbConfiguration : IEntityTypeConfiguration<PendingApcb>
{
    public void Configure(EntityTypeBuilder<PendingApcb> pending)
    {
        pending.ToTable("pending_apcb");
        pending.HasKey(p => new { p.HostId, p.GuestId, p.Version });
        pending.Property(p => p.ReceivedAt).HasDefaultValueSql("now()");
        pending.Ignore(p => p.Masks);
        pending.SnakeCaseColumns();
    }
}

public sealed class ApcbHistoryEntryConfiguration : IEntityTypeConfiguration<ApcbHistoryEntry>
{
    public void Configure(EntityTypeBuilder<ApcbHistoryEntry> history)
    {
        history.ToTable("apcb_history");
        history.HasKey(h => new { h.HostId, h.GuestId, h.Version });
        history.SnakeCaseColumns();
        history.Property(h => h.SuspendedMilliseconds).HasColumnName("suspended_ms");
    }
}
