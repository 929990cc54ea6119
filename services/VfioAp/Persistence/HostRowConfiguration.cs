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
