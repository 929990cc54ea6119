using System.Runtime.InteropServices;
using Apmatrix.ApModel;

namespace Apmatrix.Engine;

public sealed partial class VfioApEngine
{
    /// <summary>
    /// Catches up with bus events that never arrived by running the difference to <paramref name="truth"/> as a
    /// synthetic scan, in the bus's own order: masks; the bus's last closed scan (config changed to its configuration,
    /// probes, scan complete) when a window vfio_ap never saw is open on top of it, so the window's pending additions
    /// count from the configuration the bus counts them from; config changed to the bus's configuration; removals of
    /// queues vfio_ap no longer drives; probes of those it now drives; scan complete unless the bus's window is still
    /// open. After a closed scan every mdev is filtered afresh (batched mode): a filter run while lost probes were still
    /// missing must not leave a passable adapter out. Each guest whose APCB ends up different gets one update (its next version),
    /// however many the steps asked for: the guest never sees the intermediate states. Returns the number of guests updated.
    /// </summary>
    public int ReconcileWith(BusTruth truth)
    {
        if (truth.Devices.Count != Bitmap256.Capacity)
            throw new ArgumentException("one device row per adapter id is needed", nameof(truth));
        var before = _guests.Values.ToDictionary(g => g.Name, g => (g.Apcb, g.Version), StringComparer.Ordinal);
        var mark = _updates.Count;
        var devicesLost = truth.Config != Host || truth.Permissions != Permissions || !BoundAsIn(truth);

        if (truth.Permissions != Permissions) OnPermissionsChanged(truth.Permissions);
        var unseenWindow = truth.ScanOpen && truth.Config.MasksDiffer(Host);
        if (!truth.ScanOpen || unseenWindow)
        {
            var closed = unseenWindow ? truth.Previous : truth.Config;
            if (closed.MasksDiffer(Host))
            {
                // A newer configuration means the window vfio_ap saw open was closed by a scan complete it never got.
                OnScanComplete();
                OnConfigChanged(closed, Host);
            }
            // The maxima alone, when the bus was defined after this host's first mdev: no window to close, only the bounds.
            else if (closed != Host) OnConfigChanged(closed, Host);
        }
        if (unseenWindow)
        {
            // The scan that closed at the window's base left every queue of that configuration in place, as a full scan
            // does: those the window took away leave below, after the window's config change, as they did on the bus.
            ProbeConfigured(truth.Previous);
            OnScanComplete();
            FilterAfresh();
            OnConfigChanged(truth.Config, truth.Previous);
        }
        // Removals before probes: a probe re-filters the whole matrix, which must not count a queue about to leave.
        for (var a = 0; a < Bitmap256.Capacity; a++)
            foreach (var d in _bound[a].AndNot(truth.VfioApDomains(a)))
                OnQueueRemoved(new Apqn(a, d));
        ProbeMissing(truth);
        if (!truth.ScanOpen)
        {
            OnScanComplete();
            if (devicesLost) FilterAfresh();
        }

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

    bool BoundAsIn(BusTruth truth)
    {
        for (var a = 0; a < Bitmap256.Capacity; a++)
            if (_bound[a] != truth.VfioApDomains(a)) return false;
        return true;
    }

    /// <summary>Probes every queue the bus drives with vfio_ap that vfio_ap lacks.</summary>
    void ProbeMissing(BusTruth truth)
    {
        for (var a = 0; a < Bitmap256.Capacity; a++)
            foreach (var d in truth.VfioApDomains(a).AndNot(_bound[a]))
                OnQueueProbed(new Apqn(a, d));
    }

    /// <summary>Probes every queue of <paramref name="config"/> the masks leave to vfio_ap that vfio_ap lacks.</summary>
    void ProbeConfigured(in ApConfig config)
    {
        foreach (var a in config.Apm)
            foreach (var d in config.Aqm.AndNot(Permissions.ReservedDomains(a)).AndNot(_bound[a]))
                OnQueueProbed(new Apqn(a, d));
    }

    /// <summary>Batched mode only: the per-queue mode models the kernel before the fix, whose filters a probe alone runs.</summary>
    void FilterAfresh()
    {
        if (Mode == HotPlugMode.PerQueue) return;
        foreach (var mdev in CollectionsMarshal.AsSpan(_slots))
        {
            if (mdev is null) continue;
            var changed = FilterMatrix(mdev);
            if (FilterControlDomains(mdev)) changed = true;
            if (changed) UpdateGuest(mdev);
        }
    }
}
