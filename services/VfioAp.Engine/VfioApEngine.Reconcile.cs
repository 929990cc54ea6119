using Apmatrix.ApModel;

namespace Apmatrix.Engine;

public sealed partial class VfioApEngine
{
    /// <summary>
    /// Catches up with bus events that never arrived by running the difference to <paramref name="truth"/> as one
    /// synthetic scan, in the bus's own order: masks, config changed (H to the bus's configuration), removals of
    /// queues vfio_ap no longer drives, probes of those it now drives, scan complete unless the bus's window is still
    /// open. Each guest whose APCB ends up different gets one update (its next version), however many the steps
    /// asked for: the guest never sees the intermediate states. Returns the number of guests updated.
    /// </summary>
    public int ReconcileWith(BusTruth truth)
    {
        if (truth.Devices.Count != Bitmap256.Capacity)
            throw new ArgumentException("one device row per adapter id is needed", nameof(truth));
        var before = _guests.Values.ToDictionary(g => g.Name, g => (g.Apcb, g.Version), StringComparer.Ordinal);
        var mark = _updates.Count;

        if (truth.Permissions != Permissions) OnPermissionsChanged(truth.Permissions);
        if (truth.Config.MasksDiffer(Host))
        {
            // A newer configuration means the window vfio_ap saw open was closed by a scan complete it never got.
            OnScanComplete();
            OnConfigChanged(truth.Config, Host);
        }
        // The maxima alone, when the bus was defined after this host's first mdev: no window to close, only the bounds.
        else if (truth.Config != Host) OnConfigChanged(truth.Config, Host);
        // Removals before probes: a probe re-filters the whole matrix, which must not count a queue about to leave.
        for (var a = 0; a < Bitmap256.Capacity; a++)
            foreach (var d in _bound[a].AndNot(truth.VfioApDomains(a)))
                OnQueueRemoved(new Apqn(a, d));
        for (var a = 0; a < Bitmap256.Capacity; a++)
            foreach (var d in truth.VfioApDomains(a).AndNot(_bound[a]))
                OnQueueProbed(new Apqn(a, d));
        if (!truth.ScanOpen) OnScanComplete();

        _updates.RemoveRange(mark, _updates.Count - mark);
        var updated = 0;
        foreach (var guest in _guests.Values)
        {
            var (apcb, version) = before[guest.Name];
            guest.Version = version;
            if (guest.Apcb == apcb) continue;
            guest.Version++;
            _updates.Add(new GuestApcbUpdate(guest.Name, guest.Version, guest.Apcb, guest.Mdev));
            updated++;
        }
        return updated;
    }
}
