using System.Collections.Concurrent;

namespace Apmatrix.VfioAp.Reconciliation;

/// <summary>
/// Hosts that were sent an event they had applied: a redelivery, or the next event of an ApBus whose database was
/// restored from an older backup, numbered from where that backup stood. <see cref="StalledHostReconciler"/> asks ApBus
/// about them within a second or so instead of at the next digest check.
/// </summary>
public sealed class RepeatedHosts
{
    readonly ConcurrentDictionary<string, byte> _hosts = new(StringComparer.Ordinal);

    public void Note(string hostId) => _hosts.TryAdd(hostId, 0);

    /// <summary>Up to <paramref name="count"/> of the hosts noted and not taken yet, each once.</summary>
    public List<string> Take(int count)
    {
        var taken = new List<string>();
        foreach (var hostId in _hosts.Keys)
        {
            if (taken.Count == count) break;
            if (_hosts.TryRemove(hostId, out _)) taken.Add(hostId);
        }
        return taken;
    }
}
