using Apmatrix.ApModel;
using Apmatrix.Contracts;

namespace Apmatrix.ApBus.Messaging;

/// <summary>
/// Turns what a host's bus says into contract messages, numbered in the order it says them. Config
/// changed opens a scan and scan complete closes it; queue events in between carry its id, mask-change
/// moves carry none (they happen outside any scan, spec 2.5). One recorder records one operation: in the grouped form,
/// its events are grouped on their own, never with another operation's.
/// </summary>
public sealed class BusEventRecorder(string hostId, long nextSequence, Guid? openScanId, BusEventForm form) : IApBusListener
{
    readonly List<IBusEvent> _events = [];
    List<IBusEvent>? _grouped;
    Guid? _queueEventScan = openScanId;

    /// <summary>Every event as the bus said it, one queue device each, numbered on from the host's next sequence.</summary>
    public IReadOnlyList<IBusEvent> Events => _events;

    /// <summary>What leaves for the outbox: the events themselves, or in the grouped form their groups, numbered on from the same number.</summary>
    public IReadOnlyList<IBusEvent> Messages => form == BusEventForm.PerQueue ? _events : _grouped ??= BusEventGroups.Group(_events);

    /// <summary>The sequence number the host's next message gets: one on from the last of <see cref="Messages"/>.</summary>
    public long NextSequence => nextSequence + Messages.Count;

    public Guid? OpenScanId { get; private set; } = openScanId;

    public void ConfigChanged(in ApConfig current, in ApConfig previous)
    {
        var scan = Guid.CreateVersion7();
        OpenScanId = _queueEventScan = scan;
        Add(new ConfigChanged(hostId, NextEventSequence, scan, ApConfigInfo.From(current), ApConfigInfo.From(previous)));
    }

    public void QueueProbed(Apqn apqn, QueueDriver driver) =>
        Add(new QueueProbed(hostId, NextEventSequence, _queueEventScan, apqn.ToString(), Bound(driver)));

    public void QueueRemoved(Apqn apqn, QueueDriver driver, QueueRemovalReason reason) =>
        Add(new QueueRemoved(hostId, NextEventSequence, _queueEventScan, apqn.ToString(), Bound(driver), Reason(reason)));

    /// <summary>An explicit scan complete with no config change before it still gets a scan id of its own.</summary>
    public void ScanComplete(in ApConfig current, in ApConfig previous)
    {
        Add(new ScanComplete(hostId, NextEventSequence, OpenScanId ?? Guid.CreateVersion7(), ApConfigInfo.From(current), ApConfigInfo.From(previous)));
        OpenScanId = _queueEventScan = null;
    }

    public void PermissionsChanged(in ApPermissions permissions)
    {
        _queueEventScan = null;
        Add(new BusMasksChanged(hostId, NextEventSequence, permissions.Apmask.ToMsb0Hex(), permissions.Aqmask.ToMsb0Hex()));
    }

    long NextEventSequence => nextSequence + _events.Count;

    void Add(IBusEvent message)
    {
        _events.Add(message);
        _grouped = null;
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
