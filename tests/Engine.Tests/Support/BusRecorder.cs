using Apmatrix.ApModel;

namespace Apmatrix.Engine.Tests.Support;

public enum RecordedEventKind { ConfigChanged, QueueProbed, QueueRemoved, ScanComplete, PermissionsChanged }

public sealed record MdevView(string Name, ApMatrix Assigned, ApMatrix Shadow, ApMatrix Added, string? Guest)
{
    public bool Holds(Apqn apqn) => Assigned.Apm[apqn.Adapter] && Assigned.Aqm[apqn.Domain];
    public bool PassesThrough(Apqn apqn) => Shadow.Apm[apqn.Adapter] && Shadow.Aqm[apqn.Domain];
    public bool HasPendingQueueAdds => !Added.Apm.IsEmpty || !Added.Aqm.IsEmpty;

    public static List<MdevView> Of(VfioApEngine engine) =>
        engine.Mdevs.Select(m => new MdevView(m.Name, m.Assigned, m.Shadow, m.Added, m.Guest)).ToList();
}

public sealed record BusEvent(
    RecordedEventKind Kind,
    Apqn Apqn,
    QueueDriver Driver,
    ApConfig Current,
    ApConfig Previous,
    IReadOnlyList<MdevView> Before,
    IReadOnlyList<MdevView> After,
    IReadOnlyList<GuestApcbUpdate> Updates,
    IReadOnlySet<Apqn> BoundAfter)
{
    public override string ToString() => Kind switch
    {
        RecordedEventKind.QueueProbed or RecordedEventKind.QueueRemoved => $"{Kind} {Apqn} ({Driver}): {Updates.Count} update(s)",
        _ => $"{Kind}: {Updates.Count} update(s)",
    };
}

/// <summary>Forwards bus notifications to the engine and records each with its updates; tracks bindings from the events alone.</summary>
public sealed class BusRecorder(VfioApEngine engine, IEnumerable<Apqn>? bound = null) : IApBusListener
{
    readonly IApBusListener _engine = engine;

    public List<BusEvent> Events { get; } = [];
    public HashSet<Apqn> Bound { get; } = [.. bound ?? []];

    public IEnumerable<GuestApcbUpdate> UpdatesAt(RecordedEventKind kind) =>
        Events.Where(e => e.Kind == kind).SelectMany(e => e.Updates);

    public void ConfigChanged(in ApConfig current, in ApConfig previous)
    {
        var (c, p) = (current, previous);
        Record(RecordedEventKind.ConfigChanged, default, default, c, p, () => _engine.ConfigChanged(c, p));
    }

    public void QueueProbed(Apqn apqn, QueueDriver driver)
    {
        if (driver == QueueDriver.VfioAp) Bound.Add(apqn);
        Record(RecordedEventKind.QueueProbed, apqn, driver, default, default, () => _engine.QueueProbed(apqn, driver));
    }

    public void QueueRemoved(Apqn apqn, QueueDriver driver, QueueRemovalReason reason)
    {
        Record(RecordedEventKind.QueueRemoved, apqn, driver, default, default, () => _engine.QueueRemoved(apqn, driver, reason));
        if (driver == QueueDriver.VfioAp) Bound.Remove(apqn);
    }

    public void ScanComplete(in ApConfig current, in ApConfig previous)
    {
        var (c, p) = (current, previous);
        Record(RecordedEventKind.ScanComplete, default, default, c, p, () => _engine.ScanComplete(c, p));
    }

    public void PermissionsChanged(in ApPermissions permissions)
    {
        var next = permissions;
        Record(RecordedEventKind.PermissionsChanged, default, default, default, default, () => _engine.PermissionsChanged(next));
    }

    void Record(RecordedEventKind kind, Apqn apqn, QueueDriver driver, ApConfig current, ApConfig previous, Action forward)
    {
        var before = MdevView.Of(engine);
        var mark = engine.PendingUpdates.Length;
        forward();
        var updates = engine.PendingUpdates[mark..].ToArray();
        var bound = new HashSet<Apqn>(Bound);
        if (kind == RecordedEventKind.QueueRemoved && driver == QueueDriver.VfioAp) bound.Remove(apqn);
        Events.Add(new BusEvent(kind, apqn, driver, current, previous, before, MdevView.Of(engine), updates, bound));
    }
}
