using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Apmatrix.GuestVm.Persistence;

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
