using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Apmatrix.GuestVm.Persistence;

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
