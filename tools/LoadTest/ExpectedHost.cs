using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Engine;

namespace Apmatrix.LoadTest;

/// <summary>
/// What the stack must end with for one host: the same set-up and scans run in process on
/// <see cref="HostBus"/> and <see cref="VfioApEngine"/>, counting the bus event messages the scans cause in the host's
/// <see cref="BusEventForm"/>: grouped by <see cref="BusEventGroups.Group"/>, the rule ApBus sends by.
/// </summary>
public sealed class ExpectedHost : IApBusListener
{
    const string Host = "expected";
    readonly HostBus _bus = new(LoadOptions.Empty, ApPermissions.None);
    readonly VfioApEngine _engine;
    readonly BusEventForm _form;
    // The per-queue events of the scan running; their fields matter only as far as the grouping rule reads them.
    readonly List<IBusEvent> _scanEvents = [];
    Guid _scanId;

    public ExpectedHost(LoadOptions options, HotPlugMode mode, BusEventForm form)
    {
        _form = form;
        _engine = new VfioApEngine(LoadOptions.Empty, ApPermissions.None, mode);
        for (var i = 0; i < options.Guests; i++)
        {
            var mdev = LoadOptions.MdevName(i);
            _engine.CreateMdev(mdev);
            _engine.SetMatrix(mdev, options.MatrixOf(i));
            _engine.Attach(mdev, LoadOptions.GuestName(i));
        }
        _engine.ClearUpdates();
    }

    /// <summary>Messages the timed scans of all hosts move through the broker: bus events, and the guest updates' messages.</summary>
    public static long TimedMessages(LoadOptions options, BusEventForm form, HotPlugMode mode)
    {
        var host = new ExpectedHost(options, mode, form);
        long messages = 0;
        for (var scan = 0; scan < options.Scans; scan++)
        {
            var versions = host.Guests.Sum(g => g.Version);
            messages += host.Scan(options.ConfigOfScan(scan)) + GuestMessages(host.Guests.Sum(g => g.Version) - versions);
        }
        return messages * options.Hosts;
    }

    /// <summary>
    /// The messages a host's scan sends its guests: VfioAp sends a scan's updates in one ApplyApcbs (one per
    /// <see cref="ApplyApcbs.MaxGuests"/>) and GuestVm acknowledges them in as many ApcbsApplied.
    /// </summary>
    public static long GuestMessages(long updates) => 2 * ((updates + ApplyApcbs.MaxGuests - 1) / ApplyApcbs.MaxGuests);

    /// <summary>Bus event messages published so far (the host's last sequence).</summary>
    public long Events { get; private set; }

    public IEnumerable<Guest> Guests => _engine.Guests;

    public long VersionOf(string guest) => _engine.FindGuest(guest)?.Version ?? 0;

    /// <summary>Runs one scan; returns the number of bus event messages it publishes.</summary>
    public long Scan(in ApConfig next)
    {
        _scanEvents.Clear();
        _bus.Scan(next, this);
        _engine.ClearUpdates();
        var messages = _form == BusEventForm.Grouped ? BusEventGroups.Group(_scanEvents).Count : _scanEvents.Count;
        Events += messages;
        return messages;
    }

    long Next => Events + _scanEvents.Count + 1;

    void IApBusListener.ConfigChanged(in ApConfig current, in ApConfig previous)
    {
        _scanId = Guid.NewGuid();
        _scanEvents.Add(new ConfigChanged(Host, Next, _scanId, ApConfigInfo.From(current), ApConfigInfo.From(previous)));
        ((IApBusListener)_engine).ConfigChanged(current, previous);
    }

    void IApBusListener.QueueProbed(Apqn apqn, QueueDriver driver)
    {
        _scanEvents.Add(new QueueProbed(Host, Next, _scanId, apqn.ToString(), BoundDriver.VfioAp));
        ((IApBusListener)_engine).QueueProbed(apqn, driver);
    }

    void IApBusListener.QueueRemoved(Apqn apqn, QueueDriver driver, QueueRemovalReason reason)
    {
        _scanEvents.Add(new QueueRemoved(Host, Next, _scanId, apqn.ToString(), BoundDriver.VfioAp, RemovalReason.ConfigRemoved));
        ((IApBusListener)_engine).QueueRemoved(apqn, driver, reason);
    }

    void IApBusListener.ScanComplete(in ApConfig current, in ApConfig previous)
    {
        _scanEvents.Add(new ScanComplete(Host, Next, _scanId, ApConfigInfo.From(current), ApConfigInfo.From(previous)));
        ((IApBusListener)_engine).ScanComplete(current, previous);
    }

    void IApBusListener.PermissionsChanged(in ApPermissions permissions)
    {
        _scanEvents.Add(new BusMasksChanged(Host, Next, permissions.Apmask.ToMsb0Hex(), permissions.Aqmask.ToMsb0Hex()));
        ((IApBusListener)_engine).PermissionsChanged(permissions);
    }
}
