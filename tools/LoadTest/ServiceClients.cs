using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Hosting;
using Apmatrix.Scenarios.Stack;

namespace Apmatrix.LoadTest;

/// <summary>
/// One HTTP client per service instance; a host's ApBus calls go to one instance by the host's index, other calls spread over
/// the instances of a service in turn.
/// </summary>
public sealed class ServiceClients : IDisposable
{
    readonly StackClient[] _apBus;
    readonly StackClient[] _vfioAp;
    readonly StackClient[] _guestVm;
    int _nextVfioAp, _nextGuestVm;

    /// <summary><paramref name="spared"/>: an instance the calls avoid (one that will be killed on purpose).</summary>
    public ServiceClients(IStack stack, string? spared = null)
    {
        _apBus = stack.ApBus.Select(i => new StackClient(i.Url, stack.ApiKey)).ToArray();
        _vfioAp = stack.VfioAp.Where(i => i.Name != spared).Select(i => new StackClient(i.Url, stack.ApiKey)).ToArray();
        _guestVm = stack.GuestVm.Select(i => new StackClient(i.Url, stack.ApiKey)).ToArray();
    }

    /// <summary>Host <paramref name="host"/>'s ApBus instance: <paramref name="host"/> mod the instances.</summary>
    public StackClient ApBusOf(int host) => _apBus[host % _apBus.Length];
    public StackClient VfioAp => _vfioAp[(uint)Interlocked.Increment(ref _nextVfioAp) % _vfioAp.Length];
    public StackClient GuestVm => _guestVm[(uint)Interlocked.Increment(ref _nextGuestVm) % _guestVm.Length];

    public static string HostPath(string host) => $"/hosts/{Uri.EscapeDataString(host)}";

    /// <summary>From the one-query view ApBus's pacing reads: the full host view, polled through a scan, costs VfioAp a tenth of its CPU.</summary>
    public async Task<long> VfioApLastSequenceAsync(string host, CancellationToken cancellationToken) =>
        (await VfioAp.GetAsync($"{HostPath(host)}/applied", cancellationToken)).GetProperty("lastSequence").GetInt64();

    /// <summary>The same for many hosts, one request per <see cref="AppliedAsks.MaxHosts"/> of them; 0 for a host VfioAp has no event of.</summary>
    public async Task<IReadOnlyDictionary<string, long>> VfioApLastSequencesAsync(IReadOnlyList<string> hosts, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var query in AppliedAsks.Queries(hosts))
            foreach (var answer in (await VfioAp.GetAsync($"/applied?{query}", cancellationToken)).EnumerateArray())
                applied[answer.GetProperty("host").GetString()!] = answer.GetProperty("lastSequence").GetInt64();
        return applied;
    }

    /// <summary>Requests a service answered 429 and the clients sent again after its Retry-After.</summary>
    public long BusyAnswers => _apBus.Concat(_vfioAp).Concat(_guestVm).Sum(c => c.BusyAnswers);

    /// <summary>The sum of one VfioAp metric over the instances the calls reach.</summary>
    public async Task<double> VfioApMetricAsync(string name, CancellationToken cancellationToken) =>
        (await Task.WhenAll(_vfioAp.Select(i => i.MetricAsync(name, cancellationToken)))).Sum();

    /// <summary>VfioAp's view of each guest: the latest version sent and the one acknowledged.</summary>
    public async Task<Dictionary<string, (long Version, long Acknowledged)>> VfioApGuestsAsync(string host, CancellationToken cancellationToken)
    {
        var guests = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var guest in (await VfioAp.GetAsync($"{HostPath(host)}/guests", cancellationToken)).EnumerateArray())
            guests[guest.GetProperty("guest").GetString()!] =
                (guest.GetProperty("version").GetInt64(), guest.GetProperty("acknowledgedVersion").GetInt64());
        return guests;
    }

    /// <summary>GuestVm's view of each guest: the APCB it holds, its version, updates applied and vCPU-suspended time.</summary>
    public async Task<Dictionary<string, GuestVmGuest>> GuestVmGuestsAsync(string host, CancellationToken cancellationToken)
    {
        var guests = new Dictionary<string, GuestVmGuest>(StringComparer.Ordinal);
        foreach (var guest in (await GuestVm.GetAsync($"{HostPath(host)}/guests", cancellationToken)).EnumerateArray())
            guests[guest.GetProperty("guest").GetString()!] = new GuestVmGuest(
                new ApMatrix(Ids(guest, "apm"), Ids(guest, "aqm"), Ids(guest, "adm")),
                guest.GetProperty("version").GetInt64(), guest.GetProperty("updates").GetInt64(),
                guest.GetProperty("suspendedMilliseconds").GetDouble());
        return guests;
    }

    static Bitmap256 Ids(JsonElement element, string name) => Bitmap256.ParseRangeList(element.GetProperty(name).GetString() ?? "");

    public void Dispose()
    {
        foreach (var client in _apBus.Concat(_vfioAp).Concat(_guestVm)) client.Dispose();
    }
}
