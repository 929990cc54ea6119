using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Apmatrix.VfioAp.Persistence;

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
