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
        host.Property(h => h.Id).HasColumnName("host_id");
        host.Property(h => h.Apm).HasColumnName("apm").HasConversion(BitmapColumn.Converter);
        host.Property(h => h.Aqm).HasColumnName("aqm").HasConversion(BitmapColumn.Converter);
        host.Property(h => h.Adm).HasColumnName("adm").HasConversion(BitmapColumn.Converter);
        host.Property(h => h.MaxAdapter).HasColumnName("max_adapter");
        host.Property(h => h.MaxDomain).HasColumnName("max_domain");
        host.Property(h => h.PreviousApm).HasColumnName("previous_apm").HasConversion(BitmapColumn.Converter);
        host.Property(h => h.PreviousAqm).HasColumnName("previous_aqm").HasConversion(BitmapColumn.Converter);
        host.Property(h => h.PreviousAdm).HasColumnName("previous_adm").HasConversion(BitmapColumn.Converter);
        host.Property(h => h.Apmask).HasColumnName("apmask").HasConversion(BitmapColumn.Converter);
        host.Property(h => h.Aqmask).HasColumnName("aqmask").HasConversion(BitmapColumn.Converter);
        host.Property(h => h.QueueDevices).HasColumnName("queue_devices");
        host.Property(h => h.NextSequence).HasColumnName("next_sequence");
        host.Property(h => h.OpenScanId).HasColumnName("open_scan_id");
        host.Ignore(h => h.LastSequence);
        host.Ignore(h => h.Config);
        host.Ignore(h => h.PreviousConfig);
        host.Ignore(h => h.Permissions);
        host.Ignore(h => h.QueueDeviceCount);
    }
}
