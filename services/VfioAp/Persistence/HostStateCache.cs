using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>How many rows of hosts' state VfioAp keeps in memory (configuration section <c>HostCache</c>).</summary>
public sealed class HostCacheOptions
{
    public const string Section = "HostCache";

    /// <summary>Mdev, guest and mask reservation rows in all; a host of 256 mdevs and guests is 512. Zero turns the cache off.</summary>
    public int Rows { get; set; } = 65_536;
}

/// <summary>
/// The mdevs, guests and mask reservations of recently changed hosts as their last commit left them, so a batch of bus
/// events finds its host here instead of reading every mdev and guest again. An entry holds the host row's
/// <c>state_version</c> of that commit, and every commit of the host's state by any instance raises it: a host whose row
/// shows another version is read from the database. Entries are put only after their commit succeeded.
/// </summary>
public sealed class HostStateCache(IOptions<HostCacheOptions> options) : IDisposable
{
    readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.Value.Rows) });

    public StoredHost? Find(HostRow row) =>
        _entries.TryGetValue(row.HostId, out (long Version, StoredHost Host) entry) && entry.Version == row.StateVersion ? entry.Host : null;

    public void Keep(string hostId, long version, StoredHost host)
    {
        if (host.Rows + 1 > options.Value.Rows) return;
        _entries.Set(hostId, (version, host), new MemoryCacheEntryOptions { Size = host.Rows + 1 });
    }

    public void Dispose() => _entries.Dispose();
}
