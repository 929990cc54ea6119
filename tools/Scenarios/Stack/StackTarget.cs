using Apmatrix.Contracts;
using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.Scenarios.Stack;

/// <summary>
/// Runs a scenario through the running services on a host of its own: bus steps go to ApBus,
/// administrator steps to VfioAp, and guest state is read from GuestVm once every update is acknowledged. ApBus sends the
/// host's events in <paramref name="form"/>; the outcome must not depend on it.
/// </summary>
public sealed class StackTarget(StackEndpoints endpoints, string hostId, BusEventForm form = BusEventForm.Grouped) : IScenarioTarget
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    readonly StackClient _apBus = new(endpoints.ApBus, endpoints.ApiKey);
    readonly StackClient _vfioAp = new(endpoints.VfioAp, endpoints.ApiKey);
    readonly StackClient _guestVm = new(endpoints.GuestVm, endpoints.ApiKey);
    readonly Dictionary<string, long> _updatesAfterSetUp = [];
    readonly SortedSet<string> _guests = new(StringComparer.Ordinal);
    Scenario _scenario = null!;

    string Host => $"/hosts/{Uri.EscapeDataString(hostId)}";

    /// <summary>A host of its own per run, named after the file so the services' logs say which scenario it was.</summary>
    public static string HostIdFor(Scenario scenario)
    {
        var name = new string(Path.GetFileNameWithoutExtension(scenario.File).Where(char.IsAsciiLetterOrDigit).Take(24).ToArray());
        return $"{name}-{Guid.NewGuid().ToString("N")[..12]}";
    }

    public async Task SetUpAsync(Scenario scenario, CancellationToken cancellationToken)
    {
        _scenario = scenario;
        var mode = HotPlugModes.Name(scenario.Mode);
        await _vfioAp.SendAsync(HttpMethod.Put, Host, new { mode }, cancellationToken);
        var host = scenario.Host;
        await BusAsync(HttpMethod.Put, Host, new
        {
            apm = host.Apm.ToRangeList(), aqm = host.Aqm.ToRangeList(), adm = host.Adm.ToRangeList(),
            maxAdapter = host.MaxAdapter, maxDomain = host.MaxDomain,
            apmask = scenario.Permissions.Apmask.ToRangeList(), aqmask = scenario.Permissions.Aqmask.ToRangeList(),
            eventForm = BusEventForms.Name(form),
        }, cancellationToken);
        var format = host.GuestFormat.ToString();
        foreach (var mdev in scenario.Mdevs)
        {
            await _vfioAp.SendAsync(HttpMethod.Post, $"{Host}/mdevs", new { name = mdev.Name }, cancellationToken);
            foreach (var id in mdev.Adapters) await AdminAsync(mdev.Name, "assign-adapter", id.ToString(), cancellationToken);
            foreach (var id in mdev.Domains) await AdminAsync(mdev.Name, "assign-domain", id.ToString(), cancellationToken);
            foreach (var id in mdev.ControlDomains) await AdminAsync(mdev.Name, "assign-control-domain", id.ToString(), cancellationToken);
            if (mdev.Guest is { } guest) await AttachAsync(mdev.Name, guest, format, cancellationToken);
        }
        foreach (var (guest, state) in await GuestStatesAsync(cancellationToken)) _updatesAfterSetUp[guest] = state.Updates;
    }

    public async Task ApplyAsync(ScenarioStep step, CancellationToken cancellationToken)
    {
        switch (step.Op)
        {
            case StepOp.Config:
                await BusAsync(HttpMethod.Put, $"{Host}/config", Masks(step.Config), cancellationToken);
                break;
            case StepOp.ConfigChanged:
                await BusAsync(HttpMethod.Post, $"{Host}/config-changed", Masks(step.Config), cancellationToken);
                break;
            case StepOp.ScanComplete:
                await BusAsync(HttpMethod.Post, $"{Host}/scan-complete", null, cancellationToken);
                break;
            case StepOp.Probe:
                await BusAsync(HttpMethod.Post, $"{Host}/queues/{step.Apqn}/probe", null, cancellationToken);
                break;
            case StepOp.Remove:
                await BusAsync(HttpMethod.Delete, $"{Host}/queues/{step.Apqn}", null, cancellationToken);
                break;
            case StepOp.SetMasks:
                await BusAsync(HttpMethod.Put, $"{Host}/masks",
                    new { apmask = step.Masks.Apmask.ToRangeList(), aqmask = step.Masks.Aqmask.ToRangeList() }, cancellationToken);
                break;
            case StepOp.Attach:
                await AttachAsync(step.Mdev, step.Guest, _scenario.Host.GuestFormat.ToString(), cancellationToken);
                break;
            case StepOp.Detach:
                await _vfioAp.SendAsync(HttpMethod.Post, $"{Host}/mdevs/{Uri.EscapeDataString(step.Mdev)}/detach", null, cancellationToken);
                break;
            default:
                await AdminAsync(step.Mdev, step.OpName, step.Id, cancellationToken);
                break;
        }
    }

    public async Task<ScenarioOutcome> ReadOutcomeAsync(CancellationToken cancellationToken)
    {
        var guests = new SortedDictionary<string, GuestOutcome>(StringComparer.Ordinal);
        var states = await GuestStatesAsync(cancellationToken);
        foreach (var guest in _guests)
        {
            var state = states.GetValueOrDefault(guest);
            guests[guest] = new GuestOutcome(state?.Apcb ?? ApMatrix.Empty, (state?.Updates ?? 0) - _updatesAfterSetUp.GetValueOrDefault(guest));
        }
        var mdevs = new SortedDictionary<string, MdevOutcome>(StringComparer.Ordinal);
        foreach (var mdev in _scenario.Mdevs)
        {
            var shown = await _vfioAp.GetAsync($"{Host}/mdevs/{Uri.EscapeDataString(mdev.Name)}", cancellationToken);
            mdevs[mdev.Name] = new MdevOutcome(Lines(shown, "matrix"), Lines(shown, "guestMatrix"));
        }
        return new ScenarioOutcome(guests, mdevs);
    }

    async Task AttachAsync(string mdev, string guest, string format, CancellationToken cancellationToken)
    {
        if (_guests.Add(guest))
            await _guestVm.SendAsync(HttpMethod.Put, $"{Host}/guests/{Uri.EscapeDataString(guest)}", new { vcpus = 2, format }, cancellationToken);
        await _vfioAp.SendAsync(HttpMethod.Post, $"{Host}/mdevs/{Uri.EscapeDataString(mdev)}/attach", new { guest }, cancellationToken);
    }

    Task AdminAsync(string mdev, string op, string id, CancellationToken cancellationToken) =>
        _vfioAp.SendAsync(HttpMethod.Post, $"{Host}/mdevs/{Uri.EscapeDataString(mdev)}/{op}", new { id }, cancellationToken);

    /// <summary>A bus step is done when VfioAp has applied every event it published: the next step must see its effect.</summary>
    async Task BusAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var answer = await _apBus.SendAsync(method, path, body, cancellationToken);
        var published = answer.GetProperty("lastSequence").GetInt64();
        await UntilAsync(async () => (await _vfioAp.GetAsync(Host, cancellationToken)).GetProperty("lastSequence").GetInt64() >= published,
            $"VfioAp to apply host {hostId}'s events up to {published}", cancellationToken);
    }

    /// <summary>
    /// Every guest's APCB and update count, once this GuestVm holds the latest version VfioAp sent each guest. Not
    /// VfioAp's acknowledged version: the GuestVm of another stack on the same broker gets the update and acknowledges it too.
    /// </summary>
    async Task<Dictionary<string, GuestVmState>> GuestStatesAsync(CancellationToken cancellationToken)
    {
        var states = new Dictionary<string, GuestVmState>(StringComparer.Ordinal);
        await UntilAsync(async () =>
            {
                var sent = await _vfioAp.GetAsync($"{Host}/guests", cancellationToken);
                states = await GuestVmStatesAsync(cancellationToken);
                return sent.EnumerateArray().All(g =>
                    (states.GetValueOrDefault(g.GetProperty("guest").GetString()!)?.Version ?? 0) == g.GetProperty("version").GetInt64());
            },
            $"GuestVm to apply every update of host {hostId}", cancellationToken);
        return states;
    }

    async Task<Dictionary<string, GuestVmState>> GuestVmStatesAsync(CancellationToken cancellationToken)
    {
        var states = new Dictionary<string, GuestVmState>(StringComparer.Ordinal);
        foreach (var guest in (await _guestVm.GetAsync($"{Host}/guests", cancellationToken)).EnumerateArray())
            states[guest.GetProperty("guest").GetString()!] = new GuestVmState(new ApMatrix(Ids(guest, "apm"), Ids(guest, "aqm"), Ids(guest, "adm")),
                guest.GetProperty("version").GetInt64(), guest.GetProperty("updates").GetInt64());
        return states;
    }

    static async Task UntilAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {Patience.TotalSeconds} s for {what}");
            await Task.Delay(10, cancellationToken);
        }
    }

    static object Masks(ApMatrix masks) => new { apm = masks.Apm.ToRangeList(), aqm = masks.Aqm.ToRangeList(), adm = masks.Adm.ToRangeList() };

    static Bitmap256 Ids(JsonElement element, string name) => Bitmap256.ParseRangeList(element.GetProperty(name).GetString() ?? "");

    static List<string> Lines(JsonElement element, string name) => element.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToList();

    sealed record GuestVmState(ApMatrix Apcb, long Version, long Updates);

    public ValueTask DisposeAsync()
    {
        _apBus.Dispose();
        _vfioAp.Dispose();
        _guestVm.Dispose();
        return ValueTask.CompletedTask;
    }
}
