using Apmatrix.ApModel;

namespace Apmatrix.Engine.Tests.Support;

public sealed class TestHost
{
    readonly Dictionary<string, long> _versionMarks = [];

    TestHost(ApConfig config, ApPermissions permissions, HotPlugMode mode)
    {
        Bus = new HostBus(config, permissions);
        Engine = new VfioApEngine(config, permissions, mode);
        Recorder = new BusRecorder(Engine);
        Bus.Scan(config, Recorder);
    }

    public HostBus Bus { get; }
    public VfioApEngine Engine { get; }
    public BusRecorder Recorder { get; }

    /// <summary>The spec's common fixture: adapters 4,5, usage domains 4,5, control domain 4, nothing reserved.</summary>
    public static TestHost Start(string apm = "4-5", string aqm = "4-5", string adm = "4", HotPlugMode mode = HotPlugMode.Batched,
        ApPermissions permissions = default, int maxAdapter = 255, int maxDomain = 255, params string[] withoutDevice)
    {
        var host = new TestHost(new ApConfig(Ids(apm), Ids(aqm), Ids(adm), maxAdapter, maxDomain), permissions, mode);
        foreach (var apqn in withoutDevice) Assert.True(host.Bus.Remove(Apqn.Parse(apqn), host.Recorder));
        host.StartCounting();
        return host;
    }

    public static Bitmap256 Ids(string rangeList) => Bitmap256.ParseRangeList(rangeList);

    public static ApMatrix Masks(string apm, string aqm, string adm) => new(Ids(apm), Ids(aqm), Ids(adm));

    public TestHost WithMdev(string name, string adapters, string domains, string controlDomains = "", string? guest = "g")
    {
        Engine.CreateMdev(name);
        foreach (var id in Ids(adapters)) Engine.AssignAdapter(name, id);
        foreach (var id in Ids(domains)) Engine.AssignDomain(name, id);
        foreach (var id in Ids(controlDomains)) Engine.AssignControlDomain(name, id);
        if (guest is not null) Engine.Attach(name, guest);
        StartCounting();
        return this;
    }

    public void StartCounting()
    {
        foreach (var guest in Engine.Guests) _versionMarks[guest.Name] = guest.Version;
        Recorder.Events.Clear();
        Engine.ClearUpdates();
    }

    /// <summary>The guest updates <paramref name="operation"/> alone caused.</summary>
    public GuestApcbUpdate[] UpdatesOf(Action<VfioApEngine> operation)
    {
        var mark = Engine.PendingUpdates.Length;
        operation(Engine);
        return Engine.PendingUpdates[mark..].ToArray();
    }

    public Mdev Mdev(string name = "m") => Engine.FindMdev(name) ?? throw new InvalidOperationException($"no mdev {name}");

    public ApMatrix Apcb(string guest = "g") => Engine.FindGuest(guest)?.Apcb ?? ApMatrix.Empty;

    public long Updates(string guest = "g") =>
        (Engine.FindGuest(guest)?.Version ?? 0) - _versionMarks.GetValueOrDefault(guest);

    public void Scan(string apm, string aqm, string adm) =>
        Bus.Scan(Bus.Config with { Apm = Ids(apm), Aqm = Ids(aqm), Adm = Ids(adm) }, Recorder);

    public void Rescan() => Bus.Scan(Bus.Config, Recorder);

    public void ChangeConfig(string apm, string aqm, string adm) =>
        Bus.ChangeConfig(Bus.Config with { Apm = Ids(apm), Aqm = Ids(aqm), Adm = Ids(adm) }, Recorder);

    public void Probe(string apqn) => Assert.True(Bus.Probe(Apqn.Parse(apqn), Recorder), $"{apqn} already had a device");
    public void Remove(string apqn) => Assert.True(Bus.Remove(Apqn.Parse(apqn), Recorder), $"{apqn} had no device");
    public void CompleteScan() => Bus.CompleteScan(Recorder);

    public void SetMasks(ApPermissions next)
    {
        Engine.EnsurePermissionsAllowed(next);
        Bus.SetPermissions(next, Recorder);
    }

    public MatrixException Refused(MatrixErrorKind kind, Action request)
    {
        var before = EngineText.Of(Engine);
        var pending = Engine.PendingUpdates.Length;
        var error = Assert.Throws<MatrixException>(request);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(before, EngineText.Of(Engine));
        Assert.Equal(pending, Engine.PendingUpdates.Length);
        return error;
    }
}
