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
