using System.Runtime.InteropServices;
using Apmatrix.ApModel;

namespace Apmatrix.Engine;

/// <summary>
/// The vfio_ap hot-plug rules for one host, free of I/O: bus events and administrator requests go in,
/// guest APCB updates come out. Every operation either completes or throws <see cref="MatrixException"/>
/// having changed nothing. The updates operations cause are kept, in order, until <see cref="DrainUpdates"/>
/// or <see cref="ClearUpdates"/>.
/// </summary>
public sealed partial class VfioApEngine : IApBusListener
{
    readonly Bitmap256[] _bound = new Bitmap256[Bitmap256.Capacity];
    // Which mdev owns each APQN, one row per adapter made when an mdev first takes a queue of it (and kept until the next
    // restore): a small host's engine, rebuilt for a request on a host not kept in memory, costs a few rows, not 128 KB.
    readonly ushort[]?[] _owner = new ushort[Bitmap256.Capacity][];
    readonly List<Mdev?> _slots = [];
    readonly Dictionary<string, Mdev> _mdevs = new(StringComparer.Ordinal);
    readonly Dictionary<string, Guest> _guests = new(StringComparer.Ordinal);
    readonly List<GuestApcbUpdate> _updates = [];

    public VfioApEngine(ApConfig host, ApPermissions permissions = default, HotPlugMode mode = HotPlugMode.Batched)
    {
        Host = host;
        Permissions = permissions;
        Mode = mode;
    }

    public HotPlugMode Mode { get; }

    /// <summary>H: vfio_ap's snapshot of the host configuration, replaced at config changed.</summary>
    public ApConfig Host { get; private set; }

    public ApPermissions Permissions { get; private set; }

    public IEnumerable<Mdev> Mdevs => _slots.OfType<Mdev>();
    public IEnumerable<Guest> Guests => _guests.Values;
    public Mdev? FindMdev(string name) => _mdevs.GetValueOrDefault(name);
    public Guest? FindGuest(string name) => _guests.GetValueOrDefault(name);

    /// <summary>Slots of removed mdevs, which only a restore gives back (a host has at most 65,535 slots).</summary>
    public int EmptySlots => _slots.Count - _mdevs.Count;

    /// <summary>The domains of <paramref name="adapter"/> whose queues are bound to vfio_ap.</summary>
    public Bitmap256 BoundDomains(int adapter) => _bound[adapter];
    public bool IsBound(Apqn apqn) => _bound[apqn.Adapter][apqn.Domain];

    /// <summary>The updates asked for since the last drain, oldest first.</summary>
    public ReadOnlySpan<GuestApcbUpdate> PendingUpdates => CollectionsMarshal.AsSpan(_updates);

    public GuestApcbUpdate[] DrainUpdates()
    {
        var updates = _updates.ToArray();
        _updates.Clear();
        return updates;
    }

    public void ClearUpdates() => _updates.Clear();

    /// <summary>Room for this many updates, so a long scan in per-queue mode does not grow the list as it goes.</summary>
    public void ReserveUpdates(int capacity) => _updates.EnsureCapacity(capacity);

    // ---- AP bus events (spec 3.4 - 3.7) ----

    /// <summary>Unplugs what left the host at once and records what arrived, for scan complete to plug in one go.</summary>
    public void OnConfigChanged(in ApConfig current, in ApConfig previous)
    {
        if (Mode == HotPlugMode.Batched)
        {
            var removed = Difference(previous, current);
            if (!removed.IsEmpty)
                foreach (var mdev in CollectionsMarshal.AsSpan(_slots))
                {
                    if (mdev is null) continue;
                    var (a, s) = (mdev.Assigned, mdev.Shadow);
                    // Compares before/after and intersects removed control domains with A (spec quirks Q1, Q2: intended behaviour).
                    SetShadow(mdev, new ApMatrix(s.Apm.AndNot(removed.Apm & a.Apm), s.Aqm.AndNot(removed.Aqm & a.Aqm),
                        s.Adm.AndNot(removed.Adm & a.Adm)));
                }
            var added = Difference(current, previous);
            if (!added.IsEmpty)
                foreach (var mdev in CollectionsMarshal.AsSpan(_slots))
                {
                    if (mdev is null) continue;
                    var a = mdev.Assigned;
                    mdev.Added = new ApMatrix(a.Apm & added.Apm, a.Aqm & added.Aqm, a.Adm & added.Adm);
                }
        }
        // A kernel's maxima never change; here an mdev made before the host's bus was first known took the defaults.
        if (current.MaxAdapter != Host.MaxAdapter || current.MaxDomain != Host.MaxDomain)
            foreach (var mdev in _mdevs.Values) (mdev.MaxAdapter, mdev.MaxDomain) = (current.MaxAdapter, current.MaxDomain);
        Host = current;
    }

    /// <summary>A queue bound to vfio_ap: plugged at once unless its mdev waits for scan complete.</summary>
    public void OnQueueProbed(Apqn apqn)
    {
        _bound[apqn.Adapter] = _bound[apqn.Adapter].With(apqn.Domain);
        if (OwnerOf(apqn) is not { } mdev) return;
        // Deferral keys on the mdev's pending additions, not the queue's own ids (spec quirk Q6, as upstream).
        if (mdev.DefersProbes) DeferredProbes++;
        else if (FilterMatrix(mdev)) UpdateGuest(mdev);
    }

    /// <summary>Probes of assigned queues held back for scan complete since this engine was made or restored: a count for the metrics.</summary>
    public int DeferredProbes { get; private set; }

    /// <summary>A queue leaves vfio_ap: if the guest has it, its whole adapter is unplugged.</summary>
    public void OnQueueRemoved(Apqn apqn)
    {
        if (!IsBound(apqn)) return;
        if (OwnerOf(apqn) is { } mdev && mdev.Shadow.Apm[apqn.Adapter] && mdev.Shadow.Aqm[apqn.Domain])
            SetShadow(mdev, mdev.Shadow with { Apm = mdev.Shadow.Apm.Without(apqn.Adapter) });
        _bound[apqn.Adapter] = _bound[apqn.Adapter].Without(apqn.Domain);
    }

    /// <summary>One update per mdev that had additions pending, then the config-change window closes.</summary>
    public void OnScanComplete()
    {
        if (Mode == HotPlugMode.PerQueue) return;
        foreach (var mdev in CollectionsMarshal.AsSpan(_slots))
        {
            if (mdev is null || mdev.Added.IsEmpty) continue;
            var (a, added) = (mdev.Assigned, mdev.Added);
            var changed = false;
            if (a.Apm.Intersects(added.Apm) || a.Aqm.Intersects(added.Aqm)) changed = FilterMatrix(mdev);
            if (a.Adm.Intersects(added.Adm)) changed |= FilterControlDomains(mdev);
            if (changed) UpdateGuest(mdev);
            mdev.Added = ApMatrix.Empty;
        }
    }

    public void OnPermissionsChanged(in ApPermissions next) => Permissions = next;

    void IApBusListener.ConfigChanged(in ApConfig current, in ApConfig previous) => OnConfigChanged(current, previous);

    void IApBusListener.QueueProbed(Apqn apqn, QueueDriver driver)
    {
        if (driver == QueueDriver.VfioAp) OnQueueProbed(apqn);
    }

    void IApBusListener.QueueRemoved(Apqn apqn, QueueDriver driver, QueueRemovalReason reason) => OnQueueRemoved(apqn);
    void IApBusListener.ScanComplete(in ApConfig current, in ApConfig previous) => OnScanComplete();
    void IApBusListener.PermissionsChanged(in ApPermissions permissions) => OnPermissionsChanged(permissions);

    // ---- shared rules (spec 3.1 - 3.3) ----

    /// <summary>
    /// S.apm/S.aqm = A ∩ H, then drops every adapter with a queue in S.aqm not bound to vfio_ap
    /// (an adapter is the unit the architecture can withhold). Always re-examines the whole matrix.
    /// </summary>
    bool FilterMatrix(Mdev mdev)
    {
        var (a, s) = (mdev.Assigned, mdev.Shadow);
        var apm = a.Apm & Host.Apm;
        var aqm = a.Aqm & Host.Aqm;
        if (!aqm.IsEmpty)
            foreach (var adapter in apm)
                if (!aqm.IsSubsetOf(_bound[adapter])) apm = apm.Without(adapter);
        if (apm == s.Apm && aqm == s.Aqm) return false;
        mdev.Shadow = s with { Apm = apm, Aqm = aqm };
        return true;
    }

    /// <summary>Filters the matrix and the control domains, and sends the guest one update if either changed.</summary>
    void Refilter(Mdev mdev)
    {
        var changed = FilterMatrix(mdev);
        changed |= FilterControlDomains(mdev);
        if (changed) UpdateGuest(mdev);
    }

    bool FilterControlDomains(Mdev mdev)
    {
        var adm = mdev.Assigned.Adm & Host.Adm;
        if (adm == mdev.Shadow.Adm) return false;
        mdev.Shadow = mdev.Shadow with { Adm = adm };
        return true;
    }

    void SetShadow(Mdev mdev, ApMatrix shadow)
    {
        if (shadow == mdev.Shadow) return;
        mdev.Shadow = shadow;
        UpdateGuest(mdev);
    }

    void UpdateGuest(Mdev mdev)
    {
        if (mdev.Guest is { } guest) Push(_guests[guest], mdev.Shadow);
    }

    /// <summary>Only a change of the guest's masks costs a vCPU suspend, so only a change is an update.</summary>
    void Push(Guest guest, ApMatrix apcb)
    {
        if (guest.Apcb == apcb) return;
        guest.Apcb = apcb;
        guest.Version++;
        _updates.Add(new GuestApcbUpdate(guest.Name, guest.Version, apcb, guest.Mdev));
    }

    Mdev? OwnerOf(Apqn apqn) => _owner[apqn.Adapter] is { } row && row[apqn.Domain] is var slot and > 0 ? _slots[slot - 1] : null;

    void SetOwner(Bitmap256 adapters, Bitmap256 domains, ushort slot)
    {
        // The domains listed once: a restore sets every mdev's cells, up to 65,536 per host per batch of bus events.
        Span<byte> listed = stackalloc byte[Bitmap256.Capacity];
        var count = 0;
        foreach (var d in domains) listed[count++] = (byte)d;
        if (count == 0) return;
        listed = listed[..count];
        foreach (var a in adapters)
        {
            // A row never made holds no owner: clearing it has nothing to do.
            if (_owner[a] is not { } row)
            {
                if (slot == 0) continue;
                row = _owner[a] = new ushort[Bitmap256.Capacity];
            }
            foreach (var d in listed) row[d] = slot;
        }
    }

    static ApMatrix Difference(in ApConfig from, in ApConfig minus) =>
        new(from.Apm.AndNot(minus.Apm), from.Aqm.AndNot(minus.Aqm), from.Adm.AndNot(minus.Adm));
}
