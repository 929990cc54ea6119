using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Apmatrix.VfioAp.Health;

/// <summary>
/// Tells a host that waits at a gap from one that is merely busy: it is stalled once it has had parked events and the
/// same last applied sequence for longer than the limit. No I/O: the check reads the rows and passes them in.
/// </summary>
public sealed class StalledHosts(TimeSpan after)
{
    readonly Dictionary<string, (long LastSequence, DateTime Since)> _seen = new(StringComparer.Ordinal);

    public HealthCheckResult Observe(IReadOnlyCollection<ParkedHost> parked, DateTime now)
    {
        lock (_seen)
        {
            foreach (var gone in _seen.Keys.Except(parked.Select(p => p.HostId)).ToList()) _seen.Remove(gone);
            var stalled = new List<string>();
            foreach (var host in parked.OrderBy(p => p.HostId, StringComparer.Ordinal))
            {
                if (!_seen.TryGetValue(host.HostId, out var seen) || seen.LastSequence != host.LastSequence)
                    _seen[host.HostId] = seen = (host.LastSequence, now);
                if (now - seen.Since > after)
                    stalled.Add($"{host.HostId} waits for event {host.LastSequence + 1} (parked from {host.FirstParked}) since {(now - seen.Since).TotalSeconds:0}s");
            }
            return stalled.Count > 0
                ? HealthCheckResult.Unhealthy($"host(s) stalled at a gap: {string.Join("; ", stalled)}")
                : HealthCheckResult.Healthy(parked.Count == 0 ? "no parked bus events" : $"{parked.Count} host(s) with parked events still advancing");
        }
    }
}
