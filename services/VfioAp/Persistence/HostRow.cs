using Apmatrix.ApModel;
using Apmatrix.Engine;
using Apmatrix.Hosting;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>A host as vfio_ap knows it: its mode, the last bus event applied, H, the bus masks and the queues bound to vfio_ap.</summary>
public sealed class HostRow
{
    public const int BoundQueuesLength = Bitmap256.Capacity * BitmapColumn.Size;

    public required string HostId { get; init; }
    public HotPlugMode Mode { get; set; }
    public long LastSequence { get; set; }
    public Bitmap256 Apm { get; set; }
    public Bitmap256 Aqm { get; set; }
    public Bitmap256 Adm { get; set; }
    public int MaxAdapter { get; set; }
    public int MaxDomain { get; set; }
    public Bitmap256 Apmask { get; set; }
    public Bitmap256 Aqmask { get; set; }

    /// <summary>Counts the commits that wrote the host's mdevs, guests and mask reservations: which of them a cached copy is.</summary>
    public long StateVersion { get; set; }

    /// <summary>One 32-byte row per adapter: the domains whose queues are bound to vfio_ap.</summary>
    public required byte[] BoundQueues { get; set; }

    public ApConfig Config => new(Apm, Aqm, Adm, MaxAdapter, MaxDomain);
    public ApPermissions Permissions => new(Apmask, Aqmask);

    public Bitmap256[] ReadBoundQueues()
    {
        var rows = new Bitmap256[Bitmap256.Capacity];
        for (var a = 0; a < rows.Length; a++) rows[a] = Bitmap256.ReadBigEndian(BoundQueues.AsSpan(a * BitmapColumn.Size, BitmapColumn.Size));
        return rows;
    }

    public void Store(EngineState state)
    {
        (Apm, Aqm, Adm, MaxAdapter, MaxDomain) = (state.Host.Apm, state.Host.Aqm, state.Host.Adm, state.Host.MaxAdapter, state.Host.MaxDomain);
        (Apmask, Aqmask) = (state.Permissions.Apmask, state.Permissions.Aqmask);
        var bound = new byte[BoundQueuesLength];
        for (var a = 0; a < Bitmap256.Capacity; a++) state.BoundQueues[a].WriteBigEndian(bound.AsSpan(a * BitmapColumn.Size, BitmapColumn.Size));
        BoundQueues = bound;
    }
}
