using Apmatrix.Engine.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Apmatrix.Engine.Tests;

/// <summary>Random runs on a small host; the spec's section 6 invariants are checked after every step.</summary>
public class InvariantProperties
{
    [Property(MaxTest = 150)]
    public Property Batched_mode_keeps_the_invariants_after_every_step() =>
        Prop.ForAll(RunGen.Arbitrary(HotPlugMode.Batched), run => RunChecker.Check(run));

    [Property(MaxTest = 150)]
    public Property Per_queue_mode_keeps_its_invariants_after_every_step() =>
        Prop.ForAll(RunGen.Arbitrary(HotPlugMode.PerQueue), run => RunChecker.Check(run));

    [Property(MaxTest = 60)]
    public Property A_restored_engine_continues_like_the_original() => Prop.ForAll(RunGen.AnyMode(), run =>
    {
        var steps = run.Steps;
        var original = new Simulation(run.Setup);
        foreach (var step in steps.Take(steps.Count / 2)) original.Apply(step);
        var restored = new Simulation(original);
        Assert.Equal(EngineText.Of(original.Engine), EngineText.Of(restored.Engine));

        foreach (var step in steps.Skip(steps.Count / 2))
        {
            var expected = original.Apply(step);
            var actual = restored.Apply(step);
            Assert.Equal((expected.Error as MatrixException)?.Kind, (actual.Error as MatrixException)?.Kind);
            Assert.Equal(expected.Updates, actual.Updates);
            Assert.Equal(EngineText.Of(original.Engine), EngineText.Of(restored.Engine));
        }
    });
}
