using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.LoadTest;

/// <summary>
/// What the stack must end with for one host: the same set-up and scans run in process on
/// <see cref="HostBus"/> and <see cref="VfioApEngine"/>, counting the bus events the scans cause.
/// </summary>
public sealed class ExpectedHost : IApBusListener
{
    readonly HostBus _bus = new(LoadOptions.Empty, ApPermissions.None);
    readonly VfioApEngine _engine;

    public ExpectedHost(LoadOptions options, HotPlugMode mode)
    {
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

    /// <summary>Messages the timed scans of all hosts move through the broker: bus events, and an ApplyApcb and an ApcbApplied per update.</summary>
    public static long TimedMessages(LoadOptions options, HotPlugMode mode)
    {
        var host = new ExpectedHost(options, mode);
        long messages = 0;
        for (var scan = 0; scan < options.Scans; scan++)
        {
            var versions = host.Guests.Sum(g => g.Version);
            messages += host.Scan(options.ConfigOfScan(scan)) + 2 * (host.Guests.Sum(g => g.Version) - versions);
        }
        return messages * options.Hosts;
    }

    /// <summary>Bus events published so far (the host's last sequence).</summary>
    public long Events { get; private set; }

    public IEnumerable<Guest> Guests => _engine.Guests;

    public long VersionOf(string guest) => _engine.FindGuest(guest)?.Version ?? 0;

    /// <summary>Runs one scan; returns the number of bus events it publishes.</summary>
    public long Scan(in ApConfig next)
    {
        var before = Events;
        _bus.Scan(next, this);
        _engine.ClearUpdates();
        return Events - before;
    }

    void IApBusListener.ConfigChanged(in ApConfig current, in ApConfig previous)
    {
        Events++;
        ((IApBusListener)_engine).ConfigChanged(current, previous);
    }

    void IApBusListener.QueueProbed(Apqn apqn, QueueDriver driver)
    {
        Events++;
        ((IApBusListener)_engine).QueueProbed(apqn, driver);
    }

    void IApBusListener.QueueRemoved(Apqn apqn, QueueDriver driver, QueueRemovalReason reason)
    {
        Events++;
        ((IApBusListener)_engine).QueueRemoved(apqn, driver, reason);
    }

    void IApBusListener.ScanComplete(in ApConfig current, in ApConfig previous)
    {
        Events++;
        ((IApBusListener)_engine).ScanComplete(current, previous);
    }

    void IApBusListener.PermissionsChanged(in ApPermissions permissions)
    {
        Events++;
        ((IApBusListener)_engine).PermissionsChanged(permissions);
    }
}
