using Apmatrix.ApModel;

namespace Apmatrix.Engine.Tests.Support;

public sealed record RunSetup(HotPlugMode Mode, ApConfig Host, ApPermissions Permissions, int MdevCount)
{
    public IEnumerable<string> MdevNames => Enumerable.Range(1, MdevCount).Select(i => $"m{i}");

    public override string ToString() =>
        $"{Mode} host[{EngineText.Masks(new ApMatrix(Host.Apm, Host.Aqm, Host.Adm))} max {Host.MaxAdapter}/{Host.MaxDomain}] " +
        $"apmask {Permissions.Apmask} aqmask {Permissions.Aqmask} mdevs {MdevCount}";
}

/// <summary>An id as written to sysfs and what the spec says it means: null = invalid, <see cref="long.MaxValue"/> = too big for the machine.</summary>
public sealed record IdText(string Text, long? Value)
{
    public override string ToString() => $"\"{Text}\"";
}

public enum AdminKind { AssignAdapter, AssignDomain, AssignControlDomain, UnassignAdapter, UnassignDomain, UnassignControlDomain }

public abstract record Step
{
    public virtual bool OpensWindow => false;
    public virtual bool ClosesWindow => false;
}

public sealed record ScanStep(ApMatrix Config) : Step
{
    public override string ToString() => $"scan to [{EngineText.Masks(Config)}]";
}

public sealed record ChangeConfigStep(ApMatrix Config) : Step
{
    public override bool OpensWindow => true;
    public override string ToString() => $"config changed to [{EngineText.Masks(Config)}]";
}

/// <summary>Probe picks the n-th configured queue without a device, remove the n-th existing device.</summary>
public sealed record QueueStep(bool Probe, int Pick, bool InWindow) : Step
{
    public override string ToString() => $"{(InWindow ? "window " : "")}{(Probe ? "probe" : "remove")} #{Pick}";
}

public sealed record FinishScanStep : Step
{
    public override string ToString() => "rest of the scan's probes and removals";
}

public sealed record CompleteScanStep : Step
{
    public override bool ClosesWindow => true;
    public override string ToString() => "scan complete";
}

public sealed record AdminStep(AdminKind Kind, string Mdev, IdText Id) : Step
{
    public override string ToString() => $"{Kind} {Mdev} {Id}";
}

public sealed record AttachStep(string Mdev, string Guest) : Step
{
    public override string ToString() => $"attach {Mdev} {Guest}";
}

public sealed record DetachStep(string Mdev) : Step
{
    public override string ToString() => $"detach {Mdev}";
}

public sealed record RecreateStep(string Mdev) : Step
{
    public override string ToString() => $"remove and re-create {Mdev}";
}

public sealed record SetMatrixStep(string Mdev, ApMatrix Matrix) : Step
{
    public override string ToString() => $"ap_config {Mdev} [{EngineText.Masks(Matrix)}]";
}

public sealed record SetMasksStep(ApPermissions Masks) : Step
{
    public override string ToString() => $"set-masks apmask {Masks.Apmask} aqmask {Masks.Aqmask}";
}

/// <summary>Steps come in groups so that shrinking keeps a config-change window whole.</summary>
public sealed record Run(RunSetup Setup, IReadOnlyList<IReadOnlyList<Step>> Groups)
{
    public IReadOnlyList<Step> Steps => Groups.SelectMany(g => g).ToList();

    public override string ToString() => $"{Setup}; {Steps.Count} steps";
}

public sealed record StepResult(Exception? Error, IReadOnlyList<GuestApcbUpdate> Updates, IReadOnlyList<BusEvent> Events, string Resolved);

public sealed class Simulation
{
    readonly bool _record;

    /// <param name="record">False for a bare replay: the bus talks to the engine directly and nothing is recorded.</param>
    public Simulation(RunSetup setup, bool record = true)
    {
        Setup = setup;
        Bus = new HostBus(setup.Host, setup.Permissions);
        Engine = new VfioApEngine(setup.Host, setup.Permissions, setup.Mode);
        Recorder = new BusRecorder(Engine);
        _record = record;
        Listener = record ? Recorder : Engine;
        Bus.Scan(setup.Host, Listener);
        foreach (var name in setup.MdevNames) Engine.CreateMdev(name);
        Engine.ClearUpdates();
        Recorder.Events.Clear();
    }

    public Simulation(Simulation source)
    {
        Setup = source.Setup;
        Bus = new HostBus(source.Bus.Config, source.Bus.Permissions, source.Bus.Devices.ToArray(), source.Bus.PreviousConfig, source.Bus.ScanOpen);
        Engine = VfioApEngine.Restore(source.Engine.Capture());
        Recorder = new BusRecorder(Engine, source.Recorder.Bound);
        _record = true;
        Listener = Recorder;
        InWindow = source.InWindow;
    }

    public RunSetup Setup { get; }
    public HostBus Bus { get; }
    public VfioApEngine Engine { get; }
    public BusRecorder Recorder { get; }
    public bool InWindow { get; private set; }
    IApBusListener Listener { get; }

    public static Simulation Replay(RunSetup setup, IEnumerable<Step> steps)
    {
        var simulation = new Simulation(setup, record: false);
        foreach (var step in steps) simulation.Apply(step);
        return simulation;
    }

    public StepResult Apply(Step step)
    {
        Engine.ClearUpdates();
        Recorder.Events.Clear();
        string? resolved = null;
        Exception? error = null;
        try
        {
            resolved = Run(step);
        }
        catch (Exception e)
        {
            error = e;
        }
        if (step.OpensWindow) InWindow = true;
        if (step.ClosesWindow) InWindow = false;
        return new StepResult(error, Engine.PendingUpdates.ToArray(), Recorder.Events.ToList(), resolved ?? (_record ? step.ToString()! : ""));
    }

    string? Run(Step step)
    {
        switch (step)
        {
            case ScanStep scan:
                Bus.Scan(Config(scan.Config), Listener);
                return null;
            case ChangeConfigStep change:
                Bus.ChangeConfig(Config(change.Config), Listener);
                return null;
            case QueueStep { Probe: true } probe:
            {
                var missing = MissingQueues();
                if (missing.Count == 0) return $"{probe}: no configured queue lacks a device";
                var apqn = missing[probe.Pick % missing.Count];
                Bus.Probe(apqn, Listener);
                return $"{(probe.InWindow ? "window " : "")}probe {apqn}";
            }
            case QueueStep remove:
            {
                var present = PresentQueues();
                if (present.Count == 0) return $"{remove}: no queue device";
                var apqn = present[remove.Pick % present.Count];
                Bus.Remove(apqn, Listener);
                return $"{(remove.InWindow ? "window " : "")}remove {apqn}";
            }
            case FinishScanStep:
                Bus.ReconcileDevices(Listener);
                return null;
            case CompleteScanStep:
                Bus.CompleteScan(Listener);
                return null;
            case AdminStep admin:
                Action<string, string> assign = admin.Kind switch
                {
                    AdminKind.AssignAdapter => Engine.AssignAdapter,
                    AdminKind.AssignDomain => Engine.AssignDomain,
                    AdminKind.AssignControlDomain => Engine.AssignControlDomain,
                    AdminKind.UnassignAdapter => Engine.UnassignAdapter,
                    AdminKind.UnassignDomain => Engine.UnassignDomain,
                    _ => Engine.UnassignControlDomain,
                };
                assign(admin.Mdev, admin.Id.Text);
                return null;
            case AttachStep attach:
                Engine.Attach(attach.Mdev, attach.Guest);
                return null;
            case DetachStep detach:
                Engine.Detach(detach.Mdev);
                return null;
            case RecreateStep recreate:
                Engine.RemoveMdev(recreate.Mdev);
                Engine.CreateMdev(recreate.Mdev);
                return null;
            case SetMatrixStep matrix:
                Engine.SetMatrix(matrix.Mdev, matrix.Matrix);
                return null;
            case SetMasksStep masks:
                Engine.EnsurePermissionsAllowed(masks.Masks);
                Bus.SetPermissions(masks.Masks, Listener);
                return null;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step, "unknown step");
        }
    }

    ApConfig Config(ApMatrix masks) => Bus.Config with { Apm = masks.Apm, Aqm = masks.Aqm, Adm = masks.Adm };

    List<Apqn> MissingQueues()
    {
        var missing = new List<Apqn>();
        foreach (var a in Bus.Config.Adapters)
            foreach (var d in Bus.Config.Domains.AndNot(Bus.DevicesOf(a)))
                missing.Add(new Apqn(a, d));
        return missing;
    }

    List<Apqn> PresentQueues()
    {
        var present = new List<Apqn>();
        for (var a = 0; a < Bitmap256.Capacity; a++)
            foreach (var d in Bus.DevicesOf(a))
                present.Add(new Apqn(a, d));
        return present;
    }

    public bool BusBinds(Apqn apqn) => Bus.HasDevice(apqn) && !Bus.Permissions.IsReserved(apqn);
}
