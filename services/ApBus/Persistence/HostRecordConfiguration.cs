using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Apmatrix.ApBus.Persistence;

public sealed class HostRecordConfiguration : IEntityTypeConfiguration<HostRecord>
{
    public void Configure(EntityTypeBuilder<HostRecord> host)
    {
        host.ToTable("hosts");
        host.HasKey(h => h.Id);
        host.Ignore(h => h.LastSequence);
        host.Ignore(h => h.Config);
        host.Ignore(h => h.PreviousConfig);
        host.Ignore(h => h.Permissions);
        host.Ignore(h => h.QueueDeviceCount);
        host.SnakeCaseColumns();
        host.Property(h => h.Id).HasColumnName("host_id");
        host.Property(h => h.EventForm).HasConversion<short>();
    }
}
