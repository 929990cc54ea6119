using Apmatrix.ApModel;
using Apmatrix.Contracts;

namespace Apmatrix.ApBus.Messaging;

/// <summary>
/// Turns what a host's bus says into contract messages, numbered in the order it says them. Config
/// changed opens a scan and scan complete closes it; queue events in between carry its id, mask-change
/// moves carry none (they happen outside any scan, spec 2.5). One recorder records one operation: in the grouped form,
/// its events are grouped on their own, never with another operation's.
/// </summary>
public sealed class BusEventRecorder(string hostId, long nextSequence, Guid? openScanId, BusEventForm form, long? windowSequence = null)
    : IApBusListener
{
    // Per queue each event is a message; grouped, queue events go straight into their runs, never an object per queue.
    readonly List<IBusEvent>? _events = form == BusEventForm.PerQueue ? [] : null;
    readonly BusEventGroups? _groups = form == BusEventForm.PerQueue ? null : new(nextSequence);
    List<IBusEvent>? _grouped;
    Guid? _queueEventScan = openScanId;

    /// <summary>What leaves for the outbox, numbered on from the host's next sequence: the events, or in the grouped form their groups.</summary>
    public IReadOnlyList<IBusEvent> Messages => _events ?? (_grouped ??= _groups!.Messages());

    /// <summary>The sequence number the host's next message gets: one on from the last of <see cref="Messages"/>.</summary>
    public long NextSequence => nextSequence + (_events?.Count ?? _groups!.Count);

    public Guid? OpenScanId { get; private set; } = openScanId;

    /// <summary>The sequence of the config changed that opened <see cref="OpenScanId"/>'s window.</summary>
    public long? WindowSequence { get; private set; } = windowSequence;

    public void ConfigChanged(in ApConfig current, in ApConfig previous)
    {
        var scan = Guid.CreateVersion7();
        OpenScanId = _queueEventScan = scan;
        WindowSequence = NextSequence;
        Add(new ConfigChanged(hostId, NextSequence, scan, ApConfigInfo.From(current), ApConfigInfo.From(previous)));
    }

    public void QueueProbed(Apqn apqn, QueueDriver driver)
    {
        if (_groups is null) Add(new QueueProbed(hostId, NextSequence, _queueEventScan, apqn.ToString(), Bound(driver)));
        else Grouped().AddProbed(hostId, _queueEventScan, apqn, Bound(driver));
    }

    public void QueueRemoved(Apqn apqn, QueueDriver driver, QueueRemovalReason reason)
    {
        if (_groups is null) Add(new QueueRemoved(hostId, NextSequence, _queueEventScan, apqn.ToString(), Bound(driver), Reason(reason)));
        else Grouped().AddRemoved(hostId, _queueEventScan, apqn, Bound(driver), Reason(reason));
    }

    /// <summary>An explicit scan complete with no config change before it still gets a scan id of its own.</summary>
    public void ScanComplete(in ApConfig current, in ApConfig previous)
    {
        Add(new ScanComplete(hostId, NextSequence, OpenScanId ?? Guid.CreateVersion7(), ApConfigInfo.From(current), ApConfigInfo.From(previous)));
        OpenScanId = _queueEventScan = null;
        WindowSequence = null;
    }

    public void PermissionsChanged(in ApPermissions permissions)
    {
        _queueEventScan = null;
        Add(new BusMasksChanged(hostId, NextSequence, permissions.Apmask.ToMsb0Hex(), permissions.Aqmask.ToMsb0Hex()));
    }

    void Add(IBusEvent message)
    {
        if (_events is null) Grouped().Add(message);
        else _events.Add(message);
    }

    BusEventGroups Grouped()
    {
        _grouped = null;
        return _groups!;
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
