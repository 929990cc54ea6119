using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Apmatrix.VfioAp.Persistence;

sealed class MaskReservationRowConfiguration : IEntityTypeConfiguration<MaskReservationRow>
{
    public void Configure(EntityTypeBuilder<MaskReservationRow> reservation)
    {
        reservation.ToTable("mask_reservations").HasKey(r => new { r.HostId, r.Id }).HasName("pk_mask_reservations");
        reservation.HasOne<HostRow>().WithMany().HasForeignKey(r => r.HostId).HasConstraintName("fk_mask_reservations_hosts");
        reservation.SnakeCaseColumns();
    }
}
