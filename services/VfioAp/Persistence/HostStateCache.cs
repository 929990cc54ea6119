using Apmatrix.Engine;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>How much of hosts' state VfioAp keeps in memory (configuration section <c>HostCache</c>).</summary>
public sealed class HostCacheOptions
{
    public const string Section = "HostCache";

    /// <summary>Mdev, guest and mask reservation rows in all; a host of 256 mdevs and guests is 512. Zero turns the cache off.</summary>
    public int Rows { get; set; } = 65_536;

    /// <summary>Hosts whose engine is kept as well (up to about 140 KB each, most of it the table of which mdev owns each APQN, a row per adapter an mdev has held since the engine was restored); zero keeps none.</summary>
    public int Engines { get; set; } = 64;
}

/// <summary>
/// The mdevs, guests and mask reservations of recently changed hosts as their last commit left them, so a batch of bus
/// events finds its host here instead of reading every mdev and guest again; for the most recent, the engine itself,
/// so it need not be rebuilt either. An entry holds the host row's <c>state_version</c> of that commit, and every
/// commit of the host's state by any instance raises it: a host whose row shows another version is read from the
/// database. Entries are put only after their commit succeeded. An engine is handed out once, to the transaction
/// holding the host's row lock, and only while the row still holds what the engine was written to.
/// </summary>
public sealed class HostStateCache(IOptions<HostCacheOptions> options) : IDisposable
{
    readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.Value.Rows) });
    readonly MemoryCache _engines = new(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.Value.Engines) });

    public StoredHost? Find(HostRow row) =>
        _entries.TryGetValue(row.HostId, out (long Version, StoredHost Host) entry) && entry.Version == row.StateVersion ? entry.Host : null;

    /// <summary>The engine the host's last commit left, if it is the row's; no one else gets it after this.</summary>
    public VfioApEngine? TakeEngine(HostRow row)
    {
        if (!_engines.TryGetValue(row.HostId, out KeptEngine? kept) || kept is null) return null;
        _engines.Remove(row.HostId);
        return kept.Version == row.StateVersion && kept.Fits(row) ? kept.Engine : null;
    }

    public void Keep(HostRow row, StoredHost host, VfioApEngine engine)
    {
        if (options.Value.Engines > 0 && engine.EmptySlots == 0)
            _engines.Set(row.HostId, new KeptEngine(row.StateVersion, engine, row.BoundQueues), new MemoryCacheEntryOptions { Size = 1 });
        if (host.Rows + 1 > options.Value.Rows) return;
        _entries.Set(row.HostId, (row.StateVersion, host), new MemoryCacheEntryOptions { Size = host.Rows + 1 });
    }

    public void Dispose()
    {
        _entries.Dispose();
        _engines.Dispose();
    }

    /// <summary>An engine and the host row it was written to (a writer that left the version alone still shows here).</summary>
    sealed record KeptEngine(long Version, VfioApEngine Engine, byte[] BoundQueues)
    {
        public bool Fits(HostRow row) => Engine.Mode == row.Mode && Engine.Host == row.Config && Engine.Permissions == row.Permissions
            && BoundQueues.AsSpan().SequenceEqual(row.BoundQueues);
    }
}
