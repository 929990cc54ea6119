using Apmatrix.Contracts;
using Apmatrix.Hosting;
using Apmatrix.ApModel;
using Apmatrix.ApBus.Messaging;

namespace Apmatrix.ApBus.Persistence;

/// <summary>One host's AP bus as stored: configuration, previous configuration, apmask/aqmask, queue devices, event counter and event form.</summary>
public sealed class HostRecord
{
    const int DevicesSize = Bitmap256.Capacity * BitmapColumn.Size;

    public required string Id { get; init; }
    public Bitmap256 Apm { get; set; }
    public Bitmap256 Aqm { get; set; }
    public Bitmap256 Adm { get; set; }
    public int MaxAdapter { get; set; }
    public int MaxDomain { get; set; }
    public Bitmap256 PreviousApm { get; set; }
    public Bitmap256 PreviousAqm { get; set; }
    public Bitmap256 PreviousAdm { get; set; }
    public Bitmap256 Apmask { get; set; }
    public Bitmap256 Aqmask { get; set; }

    /// <summary>Per adapter id, the 32-byte bitmap of domains with a queue device.</summary>
    public byte[] QueueDevices { get; set; } = new byte[DevicesSize];

    /// <summary>The sequence number the host's next event gets.</summary>
    public long NextSequence { get; set; } = 1;

    /// <summary>The scan of an explicit config-changed window still waiting for its scan complete.</summary>
    public Guid? OpenScanId { get; set; }

    /// <summary>The sequence of that window's config changed: whether VfioAp applied it tells a reconcile if it saw the window open.</summary>
    public long? WindowSequence { get; set; }

    /// <summary>How the host's events leave: grouped unless the definition asked for one message per queue event.</summary>
    public BusEventForm EventForm { get; set; } = BusEventForm.Grouped;

    public long LastSequence => NextSequence - 1;
    public ApConfig Config => new(Apm, Aqm, Adm, MaxAdapter, MaxDomain);
    public ApConfig PreviousConfig => new(PreviousApm, PreviousAqm, PreviousAdm, MaxAdapter, MaxDomain);
    public ApPermissions Permissions => new(Apmask, Aqmask);

    public int QueueDeviceCount
    {
        get
        {
            var count = 0;
            for (var a = 0; a < Bitmap256.Capacity; a++) count += DevicesOf(a).Count;
            return count;
        }
    }

    public HostBus ToBus()
    {
        var devices = new Bitmap256[Bitmap256.Capacity];
        for (var a = 0; a < devices.Length; a++) devices[a] = DevicesOf(a);
        return new HostBus(Config, Permissions, devices, PreviousConfig, scanOpen: OpenScanId is not null);
    }

    public BusEventRecorder Recorder() => new(Id, NextSequence, OpenScanId, EventForm, WindowSequence);

    /// <summary>Takes the bus's state and the recorder's counter and open scan after an operation.</summary>
    public void Save(HostBus bus, BusEventRecorder recorder)
    {
        (Apm, Aqm, Adm, MaxAdapter, MaxDomain) = (bus.Config.Apm, bus.Config.Aqm, bus.Config.Adm, bus.Config.MaxAdapter, bus.Config.MaxDomain);
        (PreviousApm, PreviousAqm, PreviousAdm) = (bus.PreviousConfig.Apm, bus.PreviousConfig.Aqm, bus.PreviousConfig.Adm);
        (Apmask, Aqmask) = (bus.Permissions.Apmask, bus.Permissions.Aqmask);
        var devices = new byte[DevicesSize];
        for (var a = 0; a < Bitmap256.Capacity; a++)
            bus.DevicesOf(a).WriteBigEndian(devices.AsSpan(a * BitmapColumn.Size, BitmapColumn.Size));
        QueueDevices = devices;
        NextSequence = recorder.NextSequence;
        (OpenScanId, WindowSequence) = (recorder.OpenScanId, recorder.WindowSequence);
    }

    Bitmap256 DevicesOf(int adapter) => Bitmap256.ReadBigEndian(QueueDevices.AsSpan(adapter * BitmapColumn.Size, BitmapColumn.Size));
}
