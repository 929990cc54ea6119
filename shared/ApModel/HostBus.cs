namespace Apmatrix.ApModel;

/// <summary>
/// One host's AP bus: its configuration, apmask/aqmask and queue devices. A scan reconciles the
/// devices with the configuration and tells a listener, in the kernel's order, what changed.
/// </summary>
public sealed class HostBus
{
    readonly Bitmap256[] _devices;

    public HostBus(ApConfig config, ApPermissions permissions, Bitmap256[]? devices = null, ApConfig? previous = null, bool scanOpen = false)
    {
        if (devices is { Length: not Bitmap256.Capacity })
            throw new ArgumentException("one device row per adapter id is needed", nameof(devices));
        Config = config;
        PreviousConfig = previous ?? config;
        Permissions = permissions;
        _devices = devices ?? new Bitmap256[Bitmap256.Capacity];
        ScanOpen = scanOpen;
    }

    public ApConfig Config { get; private set; }
    public ApConfig PreviousConfig { get; private set; }
    public ApPermissions Permissions { get; private set; }

    /// <summary>A config-changed notification went out and its scan complete has not.</summary>
    public bool ScanOpen { get; private set; }

    /// <summary>The domains with a queue device on <paramref name="adapter"/>.</summary>
    public Bitmap256 DevicesOf(int adapter) => _devices[adapter];
    public bool HasDevice(Apqn apqn) => _devices[apqn.Adapter][apqn.Domain];
    public IReadOnlyList<Bitmap256> Devices => _devices;

    public QueueDriver DriverOf(Apqn apqn) => Permissions.IsReserved(apqn) ? QueueDriver.Default : QueueDriver.VfioAp;

    /// <summary>
    /// A bus scan against <paramref name="next"/>: when the configuration differs or a config-changed window is open,
    /// config changed, then every removal and probe in ascending APQN order, then scan complete, which closes the
    /// window (the scenario format's <c>config</c> step); otherwise only the device reconciliation (a periodic scan,
    /// no notifications, as the kernel's scan when the configuration is as it was).
    /// </summary>
    public bool Scan(in ApConfig next, IApBusListener listener)
    {
        var notify = ScanOpen || next.MasksDiffer(Config);
        if (notify) ChangeConfig(next, listener);
        ReconcileDevices(listener);
        if (notify) CompleteScan(listener);
        return notify;
    }

    /// <summary>Only the config-changed notification; the queue events of the window come separately.</summary>
    public void ChangeConfig(in ApConfig next, IApBusListener listener)
    {
        PreviousConfig = Config;
        Config = next;
        ScanOpen = true;
        listener.ConfigChanged(Config, PreviousConfig);
    }

    public void CompleteScan(IApBusListener listener)
    {
        ScanOpen = false;
        listener.ScanComplete(Config, PreviousConfig);
    }

    /// <summary>Creates the queue device and probes its driver; false when it already exists.</summary>
    public bool Probe(Apqn apqn, IApBusListener listener)
    {
        if (HasDevice(apqn)) return false;
        _devices[apqn.Adapter] = _devices[apqn.Adapter].With(apqn.Domain);
        listener.QueueProbed(apqn, DriverOf(apqn));
        return true;
    }

    /// <summary>Removes the queue device from its driver and the bus; false when there is none.</summary>
    public bool Remove(Apqn apqn, IApBusListener listener)
    {
        if (!HasDevice(apqn)) return false;
        _devices[apqn.Adapter] = _devices[apqn.Adapter].Without(apqn.Domain);
        var inConfig = Config.Adapters[apqn.Adapter] && Config.Domains[apqn.Domain];
        listener.QueueRemoved(apqn, DriverOf(apqn), inConfig ? QueueRemovalReason.Unbind : QueueRemovalReason.ConfigRemoved);
        return true;
    }

    /// <summary>
    /// New apmask/aqmask: every queue whose reservation flips leaves its old driver (all removals
    /// first, ascending) and is then probed by the new one. The caller asks vfio_ap's veto first.
    /// </summary>
    public void SetPermissions(in ApPermissions next, IApBusListener listener)
    {
        var old = Permissions;
        Permissions = next;
        listener.PermissionsChanged(next);
        for (var a = 0; a < Bitmap256.Capacity; a++)
            foreach (var d in Moved(a, old, next))
                listener.QueueRemoved(new Apqn(a, d), old.IsReserved(new Apqn(a, d)) ? QueueDriver.Default : QueueDriver.VfioAp,
                    QueueRemovalReason.MaskChange);
        for (var a = 0; a < Bitmap256.Capacity; a++)
            foreach (var d in Moved(a, old, next))
                listener.QueueProbed(new Apqn(a, d), DriverOf(new Apqn(a, d)));
    }

    Bitmap256 Moved(int adapter, in ApPermissions old, in ApPermissions next) =>
        _devices[adapter] & (old.ReservedDomains(adapter) ^ next.ReservedDomains(adapter));

    /// <summary>Removes the queue devices the configuration no longer has and probes those it gained, ascending; no notification.</summary>
    public void ReconcileDevices(IApBusListener listener)
    {
        for (var a = 0; a < Bitmap256.Capacity; a++)
        {
            var present = _devices[a];
            var wanted = Config.QueuesOf(a);
            if (present == wanted) continue;
            _devices[a] = wanted;
            var reserved = Permissions.ReservedDomains(a);
            foreach (var d in present ^ wanted)
            {
                var driver = reserved[d] ? QueueDriver.Default : QueueDriver.VfioAp;
                if (present[d]) listener.QueueRemoved(new Apqn(a, d), driver, QueueRemovalReason.ConfigRemoved);
                else listener.QueueProbed(new Apqn(a, d), driver);
            }
        }
    }
}
