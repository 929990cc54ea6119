using Apmatrix.ApModel;

namespace Apmatrix.Engine;

/// <summary>
/// What the AP bus holds for a host at one sequence number: configuration, apmask/aqmask, the queue devices
/// (one row of domains per adapter id), whether a config-changed window is still waiting for its scan complete, and
/// the configuration it changed from (<paramref name="PreviousConfig"/>; only read while the window is open), and whether
/// the engine applied that window's config changed (<paramref name="WindowApplied"/>; null when the bus cannot say).
/// </summary>
public sealed record BusTruth(ApConfig Config, ApPermissions Permissions, IReadOnlyList<Bitmap256> Devices, bool ScanOpen, ApConfig PreviousConfig,
    bool? WindowApplied = null)
{
    /// <summary>The domains of <paramref name="adapter"/> whose queues vfio_ap drives: a device the masks leave to it.</summary>
    public Bitmap256 VfioApDomains(int adapter) => Devices[adapter].AndNot(Permissions.ReservedDomains(adapter));

    public string Digest => BusDigest.Of(Config, Permissions, Enumerable.Range(0, Bitmap256.Capacity).Select(VfioApDomains).ToArray());
}
