using Apmatrix.ApModel;
using Apmatrix.Engine;
using Apmatrix.VfioAp.Persistence;
using Microsoft.Extensions.Options;

namespace Apmatrix.Services.Tests.VfioAp;

/// <summary>
/// Which engine a change of host h1 may take from the cache instead of restoring one: only the one its last commit
/// left, once, while the locked row still holds that commit's version and what the engine was written to.
/// </summary>
public class HostStateCacheTests
{
    static readonly StoredHost NoRows = new([], [], []);

    static (HostRow Row, VfioApEngine Engine) Committed(long version)
    {
        var engine = new VfioApEngine(new ApConfig(Bitmap256.Range(0, 3), Bitmap256.Range(0, 3), Bitmap256.Empty));
        engine.OnQueueProbed(new Apqn(1, 2));
        engine.CreateMdev("m1");
        var row = new HostRow { HostId = "h1", Mode = HotPlugMode.Batched, BoundQueues = [], StateVersion = version };
        row.Store(engine.Capture());
        return (row, engine);
    }

    /// <summary>The row as the next transaction reads it: the same values, its own array.</summary>
    static HostRow Reread(HostRow row) => new()
    {
        HostId = row.HostId, Mode = row.Mode, LastSequence = row.LastSequence, Apm = row.Apm, Aqm = row.Aqm, Adm = row.Adm,
        MaxAdapter = row.MaxAdapter, MaxDomain = row.MaxDomain, Apmask = row.Apmask, Aqmask = row.Aqmask, StateVersion = row.StateVersion,
        BoundQueues = [.. row.BoundQueues],
    };

    static HostStateCache Cache(int engines = 64) => new(Options.Create(new HostCacheOptions { Engines = engines }));

    [Fact]
    public void The_last_commits_engine_is_handed_out_once()
    {
        using var cache = Cache();
        var (row, engine) = Committed(7);
        cache.Keep(row, NoRows, engine);

        Assert.Same(engine, cache.TakeEngine(Reread(row)));
        Assert.Null(cache.TakeEngine(Reread(row)));
    }

    [Fact]
    public void A_row_of_another_version_gets_no_engine()
    {
        using var cache = Cache();
        var (row, engine) = Committed(7);
        cache.Keep(row, NoRows, engine);

        var newer = Reread(row);
        newer.StateVersion = 8;
        Assert.Null(cache.TakeEngine(newer));
    }

    [Fact]
    public void A_row_changed_without_a_new_version_gets_no_engine()
    {
        using var cache = Cache();
        var (row, engine) = Committed(7);
        var changed = Reread(row);
        changed.BoundQueues[2 * 32] = 0x80;
        cache.Keep(row, NoRows, engine);
        Assert.Null(cache.TakeEngine(changed));

        cache.Keep(row, NoRows, engine);
        var otherMode = Reread(row);
        otherMode.Mode = HotPlugMode.PerQueue;
        Assert.Null(cache.TakeEngine(otherMode));
    }

    [Fact]
    public void An_engine_with_a_removed_mdevs_slot_is_not_kept()
    {
        using var cache = Cache();
        var (row, engine) = Committed(7);
        engine.CreateMdev("m2");
        engine.RemoveMdev("m1");
        cache.Keep(row, NoRows, engine);

        Assert.Null(cache.TakeEngine(Reread(row)));
    }

    [Fact]
    public void No_engine_is_kept_when_none_may_be()
    {
        using var cache = Cache(engines: 0);
        var (row, engine) = Committed(7);
        cache.Keep(row, NoRows, engine);

        Assert.Null(cache.TakeEngine(Reread(row)));
    }
}
