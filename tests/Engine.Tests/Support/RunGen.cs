using Apmatrix.ApModel;
using FsCheck;
using FsCheck.Fluent;

namespace Apmatrix.Engine.Tests.Support;

/// <summary>Random runs on a small host: ids 0..7, 2-3 mdevs, 2-3 guests.</summary>
public static class RunGen
{
    const int Ids = 8;

    static Bitmap256 Low(int bits)
    {
        var set = Bitmap256.Empty;
        for (var id = 0; id < Ids; id++)
            if ((bits & (1 << id)) != 0) set = set.With(id);
        return set;
    }

    static Gen<Bitmap256> Dense => Gen.Choose(0, 255).Zip(Gen.Choose(0, 255), (x, y) => Low(x | y));
    static Gen<Bitmap256> Sparse => Gen.Choose(0, 255).Zip(Gen.Choose(0, 255), (x, y) => Low(x & y));

    static Gen<ApMatrix> HostMasks => from apm in Dense from aqm in Dense from adm in Dense select new ApMatrix(apm, aqm, adm);

    static Gen<ApPermissions> Permissions => Gen.Frequency(
        (3, Gen.Constant(ApPermissions.None)),
        (2, from apmask in Sparse from aqmask in Sparse select new ApPermissions(apmask, aqmask)));

    public static Gen<RunSetup> Setup(HotPlugMode mode) =>
        from host in HostMasks
        from maxAdapter in Gen.Elements(255, 255, 255, 6)
        from maxDomain in Gen.Elements(255, 255, 255, 5)
        from permissions in Permissions
        from mdevs in Gen.Choose(2, 3)
        select new RunSetup(mode, new ApConfig(host.Apm, host.Aqm, host.Adm, maxAdapter, maxDomain), permissions, mdevs);

    static readonly (string Text, long? Value)[] Odd =
    [
        ("abc", null), ("", null), ("-1", null), ("08", null), ("0x", null), ("5x", null), (" 5", null),
        ("256", 256), ("99999999999999999999999", long.MaxValue), ("010", 8), ("+3", 3), ("4\n", 4),
    ];

    static Gen<IdText> Id => Gen.Frequency(
        (20, Gen.Choose(0, Ids - 1).Select(n => new IdText(n.ToString(), n))),
        (2, Gen.Choose(0, Ids - 1).Select(n => new IdText($"0x{n:x}", n))),
        (2, Gen.Choose(1, Ids - 1).Select(n => new IdText("0" + Convert.ToString(n, 8), n))),
        (3, Gen.Elements(Odd).Select(odd => new IdText(odd.Text, odd.Value))));

    static Gen<IReadOnlyList<Step>> One(Gen<Step> step) => step.Select(s => (IReadOnlyList<Step>)[s]);

    static Gen<IReadOnlyList<Step>> Admin(int mdevs, params AdminKind[] kinds) =>
        One(from kind in Gen.Elements(kinds) from m in Gen.Choose(1, mdevs) from id in Id select (Step)new AdminStep(kind, $"m{m}", id));

    static Gen<IReadOnlyList<Step>> Window =>
        from config in HostMasks
        from events in Gen.Choose(0, 10).SelectMany(n =>
            Gen.Zip(Gen.Elements(true, true, false), Gen.Choose(0, 63)).ListOf(n))
        from finish in Gen.Elements(true, true, true, false)
        select (IReadOnlyList<Step>)
        [
            new ChangeConfigStep(config),
            .. events.Select(e => (Step)new QueueStep(e.Item1, e.Item2, InWindow: true)),
            .. finish ? [new FinishScanStep()] : Array.Empty<Step>(),
            new CompleteScanStep(),
        ];

    static Gen<Bitmap256> Within(int max) => Dense.Select(set => set & Bitmap256.UpTo(max));

    static Gen<IReadOnlyList<Step>> SetMatrix(RunSetup setup) =>
        One(from m in Gen.Choose(1, setup.MdevCount)
            from apm in Within(setup.Host.MaxAdapter)
            from aqm in Within(setup.Host.MaxDomain)
            from adm in Within(setup.Host.MaxDomain)
            select (Step)new SetMatrixStep($"m{m}", new ApMatrix(apm, aqm, adm)));

    static Gen<IReadOnlyList<Step>> Group(RunSetup setup) => Gen.Frequency(
        (10, Admin(setup.MdevCount, AdminKind.AssignAdapter, AdminKind.AssignDomain)),
        (2, Admin(setup.MdevCount, AdminKind.AssignControlDomain)),
        (3, Admin(setup.MdevCount, AdminKind.UnassignAdapter, AdminKind.UnassignDomain, AdminKind.UnassignControlDomain)),
        (2, One(from m in Gen.Choose(1, setup.MdevCount) from g in Gen.Choose(1, 3) select (Step)new AttachStep($"m{m}", $"g{g}"))),
        (1, One(Gen.Choose(1, setup.MdevCount).Select(m => (Step)new DetachStep($"m{m}")))),
        (3, One(HostMasks.Select(c => (Step)new ScanStep(c)))),
        (2, Window),
        (2, One(from probe in Gen.Elements(true, false) from pick in Gen.Choose(0, 63) select (Step)new QueueStep(probe, pick, InWindow: false))),
        (1, One(Permissions.Select(p => (Step)new SetMasksStep(p)))),
        (1, SetMatrix(setup)),
        (1, One(Gen.Choose(1, setup.MdevCount).Select(m => (Step)new RecreateStep($"m{m}")))));

    public static Gen<Run> Runs(HotPlugMode mode, int maxGroups) =>
        from setup in Setup(mode)
        from attached in Gen.Elements(true, true, true, false).ListOf(setup.MdevCount)
        from count in Gen.Choose(1, maxGroups)
        from groups in Group(setup).ListOf(count)
        select new Run(setup,
        [
            .. Enumerable.Range(0, setup.MdevCount).Where(i => attached[i])
                .Select(i => (IReadOnlyList<Step>)[new AttachStep($"m{i + 1}", $"g{i + 1}")]),
            .. groups,
        ]);

    public static IEnumerable<Run> Shrink(Run run)
    {
        var groups = run.Groups;
        if (groups.Count > 1)
        {
            yield return run with { Groups = groups.Take(groups.Count / 2).ToList() };
            yield return run with { Groups = groups.Skip(groups.Count / 2).ToList() };
        }
        for (var i = 0; i < groups.Count; i++)
            yield return run with { Groups = groups.Where((_, j) => j != i).ToList() };
    }

    public static Arbitrary<Run> Arbitrary(HotPlugMode mode, int maxGroups = 30) => Arb.From(Runs(mode, maxGroups), Shrink);

    public static Arbitrary<Run> AnyMode(int maxGroups = 30) =>
        Arb.From(Gen.Elements(HotPlugMode.Batched, HotPlugMode.PerQueue).SelectMany(mode => Runs(mode, maxGroups)), Shrink);
}
