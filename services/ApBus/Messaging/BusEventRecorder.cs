using Apmatrix.ApModel;
using Apmatrix.Contracts;

namespace Apmatrix.ApBus.Messaging;

/// <summary>
/// Turns what a host's bus says into contract messages, numbered in the order it says them. Config
/// changed opens a scan and scan complete closes it; queue events in between carry its id, mask-change
/// moves carry none (they happen outside any scan, spec 2.5).
/// </summary>
public sealed class BusEventRecorder(string hostId, long nextSequence, Guid? openScanId) : IApBusListener
{
    readonly List<IBusEvent> _events = [];
    Guid? _queueEventScan = openScanId;

    public IReadOnlyList<IBusEvent> Events => _events;
    public long NextSequence { get; private set; } = nextSequence;
    public Guid? OpenScanId { get; private set; } = openScanId;

    public void ConfigChanged(in ApConfig current, in ApConfig previous)
    {
        var scan = Guid.CreateVersion7();
        OpenScanId = _queueEventScan = scan;
        Add(new ConfigChanged(hostId, NextSequence, scan, ApConfigInfo.From(current), ApConfigInfo.From(previous)));
    }

    public void QueueProbed(Apqn apqn, QueueDriver driver) =>
        Add(new QueueProbed(hostId, NextSequence, _queueEventScan, apqn.ToString(), Bound(driver)));

    public void QueueRemoved(Apqn apqn, QueueDriver driver, QueueRemovalReason reason) =>
        Add(new QueueRemoved(hostId, NextSequence, _queueEventScan, apqn.ToString(), Bound(driver), Reason(reason)));

    /// <summary>An explicit scan complete with no config change before it still gets a scan id of its own.</summary>
    public void ScanComplete(in ApConfig current, in ApConfig previous)
    {
        Add(new ScanComplete(hostId, NextSequence, OpenScanId ?? Guid.CreateVersion7(), ApConfigInfo.From(current), ApConfigInfo.From(previous)));
        OpenScanId = _queueEventScan = null;
    }

    public void PermissionsChanged(in ApPermissions permissions)
    {
        _queueEventScan = null;
        Add(new BusMasksChanged(hostId, NextSequence, permissions.Apmask.ToMsb0Hex(), permissions.Aqmask.ToMsb0Hex()));
    }

    void Add(IBusEvent message)
    {
        _events.Add(message);
        NextSequence++;
    }

    static BoundDriver Bound(QueueDriver driver) => driver == QueueDriver.VfioAp ? BoundDriver.VfioAp : BoundDriver.Default;

    static RemovalReason Reason(QueueRemovalReason reason) => reason switch
    {
        QueueRemovalReason.ConfigRemoved => RemovalReason.ConfigRemoved,
        QueueRemovalReason.CardRebuilt => RemovalReason.CardRebuilt,
        QueueRemovalReason.TapqFailed => RemovalReason.TapqFailed,
        QueueRemovalReason.Unbind => RemovalReason.Unbind,
        _ => RemovalReason.MaskChange,
    };
}
