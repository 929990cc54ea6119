using System.Runtime.InteropServices;
using Apmatrix.ApModel;

namespace Apmatrix.Engine;

public sealed partial class VfioApEngine
{
    /// <summary>
    /// The guest says it holds version <paramref name="held"/>, a version this engine never numbered for it or numbered
    /// with other masks: the engine's state is older than the guest's (VfioAp's database restored from a backup), and what
    /// the guest holds came from a past this engine no longer has. The guest gets this engine's APCB for it again,
    /// numbered after that version. Nothing for a guest the engine does not know, or has numbered past that version
    /// already. Returns whether an update was made.
    /// </summary>
    public bool ResendAbove(string guest, long held)
    {
        if (_guests.GetValueOrDefault(guest) is not { } state || state.Version > held) return false;
        state.Version = held + 1;
        _updates.Add(new GuestApcbUpdate(state.Name, state.Version, state.Apcb, state.Mdev));
        return true;
    }

    /// <summary>
    /// Catches up with bus events that never arrived by running the difference to <paramref name="truth"/> as a
    /// synthetic scan, in the bus's own order: masks; config changed to the configuration of the bus's last closed scan;
    /// when a window vfio_ap did not see open is open on top of that scan, that scan's probes and scan complete and then
    /// the window's config change, so its pending additions are the bus's; removals of queues vfio_ap no longer drives;
    /// probes of those it now drives; scan complete unless the window is still open. Every closed scan ends with each mdev filtered afresh (batched mode):
    /// a filter run while lost probes were still missing must not leave a passable adapter out. Each guest whose APCB
    /// ends up different gets one update (its next version), however many the steps asked for: the guest never sees the
    /// intermediate states. Returns the number of guests updated.
    /// </summary>
    public int ReconcileWith(BusTruth truth)
    {
        if (truth.Devices.Count != Bitmap256.Capacity)
            throw new ArgumentException("one device row per adapter id is needed", nameof(truth));
        var before = _guests.Values.ToDictionary(g => g.Name, g => (g.Apcb, g.Version), StringComparer.Ordinal);
        var mark = _updates.Count;

        if (truth.Permissions != Permissions) OnPermissionsChanged(truth.Permissions);
        // A window vfio_ap applied the config changed of is its own still (so its configuration is the window's): only the
        // window's queue events were lost. A bus that cannot say takes a window on vfio_ap's configuration as applied.
        var inWindow = truth.ScanOpen && !truth.Config.MasksDiffer(Host) && (truth.WindowApplied ?? true);
        if (!inWindow)
        {
            var closed = truth.ScanOpen ? truth.PreviousConfig : truth.Config;
            if (closed.MasksDiffer(Host))
            {
                // A newer configuration means the window vfio_ap saw open was closed by a scan complete it never got.
                OnScanComplete();
                OnConfigChanged(closed, Host);
            }
            // The maxima alone, when the bus was defined after this host's first mdev: no window to close, only the bounds.
            else if (closed != Host) OnConfigChanged(closed, Host);
            if (truth.ScanOpen)
            {
                // The scan that closed before the window, then the window's config change: its pending additions are the bus's.
                ProbeBeforeWindow(truth);
                OnScanComplete();
                FilterAfresh();
                OnConfigChanged(truth.Config, closed);
            }
        }
        // Removals before probes: a probe re-filters the whole matrix, which must not count a queue about to leave.
        for (var a = 0; a < Bitmap256.Capacity; a++)
            foreach (var d in _bound[a].AndNot(truth.VfioApDomains(a)))
                OnQueueRemoved(new Apqn(a, d));
        for (var a = 0; a < Bitmap256.Capacity; a++)
            foreach (var d in truth.VfioApDomains(a).AndNot(_bound[a]))
                OnQueueProbed(new Apqn(a, d));
        if (!truth.ScanOpen)
        {
            OnScanComplete();
            FilterAfresh();
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

    /// <summary>
    /// Probes, of the window's base configuration, the queues vfio_ap lacks that the bus still has or whose ids the window
    /// took away: a full scan to the base left those in place, and the window's config change removes them unplugged.
    /// </summary>
    void ProbeBeforeWindow(BusTruth truth)
    {
        var (windowBase, window) = (truth.PreviousConfig, truth.Config);
        foreach (var a in windowBase.Apm)
        {
            var domains = window.Apm[a] ? truth.VfioApDomains(a) | windowBase.Aqm.AndNot(window.Aqm) : windowBase.Aqm;
            foreach (var d in (domains & windowBase.Aqm).AndNot(Permissions.ReservedDomains(a)).AndNot(_bound[a]))
                OnQueueProbed(new Apqn(a, d));
        }
    }

    /// <summary>Batched mode only: the per-queue mode models the kernel before the fix, whose filters a probe alone runs.</summary>
    void FilterAfresh()
    {
        if (Mode == HotPlugMode.PerQueue) return;
        foreach (var mdev in CollectionsMarshal.AsSpan(_slots))
            if (mdev is not null) Refilter(mdev);
    }
}
