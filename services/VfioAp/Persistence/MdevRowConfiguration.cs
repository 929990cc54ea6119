using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Apmatrix.VfioAp.Persistence;

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
