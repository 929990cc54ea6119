using Apmatrix.LoadTest;

namespace Apmatrix.Tools.Tests;

/// <summary>A run of both event forms, reported side by side, each judged against the ceiling of its own form; no servers.</summary>
public sealed class LoadReportTests
{
    static readonly LoadOptions FullScale = LoadOptions.Parse(["--adapters", "256", "--domains", "256", "--guests", "256", "--form", "both"]);

    static readonly CeilingResult[] Ceilings =
    [
        Ceiling("grouped", 770, 1_000),
        Ceiling("per-queue", 66_050, 8_000),
    ];

    static readonly ModeResult[] Runs =
    [
        // 770 messages in 1 s, 66,050 in 13 s: 0.77 x the grouped ceiling, 0.64 x the per-queue one.
        Run("grouped", 258, 1_000),
        Run("per-queue", 65_538, 13_000),
    ];

    [Fact]
    public void Should_judge_each_form_against_the_ceiling_of_its_own_message_count()
    {
        var targets = Targets.Evaluate(FullScale, Ceilings, Runs);

        var ratios = targets.Where(t => t.Target.Contains("ceiling", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, ratios.Count);
        Assert.Contains("batched, grouped events", ratios[0].Target);
        Assert.Contains("0.77 x 1,000", ratios[0].Measured);
        Assert.Contains("batched, per-queue events", ratios[1].Target);
        Assert.Contains("0.64 x 8,000", ratios[1].Measured);
    }

    [Fact]
    public async Task Should_show_the_forms_side_by_side_ceiling_included()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"load-report-{Guid.NewGuid():N}");
        try
        {
            var report = new LoadReport("forms", DateTimeOffset.UnixEpoch, new RunEnvironment("m", 2, "r", "b", "8", "0", ""), FullScale,
                Ceilings, Runs, Targets.Evaluate(FullScale, Ceilings, Runs), null, []);

            var markdown = await File.ReadAllLinesAsync(await ReportWriter.WriteAsync(report, directory, CancellationToken.None));

            Assert.Contains("| figure | batched, grouped events | batched, per-queue events |", markdown);
            Assert.Contains("| ceiling messages/s (this form's) | 1,000 | 8,000 |", markdown);
            Assert.Contains("| **stack rate / ceiling rate** | **0.77** | **0.64** |", markdown);
            Assert.Contains(markdown, l => l.StartsWith("| grouped | 770 |", StringComparison.Ordinal));
            Assert.Contains(markdown, l => l.StartsWith("| per-queue | 66,050 |", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, true);
        }
    }

    static CeilingResult Ceiling(string form, int messages, double perSecond) =>
        new(form, messages, [new CeilingTrial("plain", 1000, "plain", 1000, 1, messages, 120, messages / perSecond)]);

    static ModeResult Run(string form, long events, double ms) =>
        new(form, "batched", 1, 1, 1, [new ScanPhases(1, "from empty to full", events, 256, 1, ms, ms, ms, null)],
            new Percentiles(256, 1, 2, 3), 0, new Spread(1, 1, 1), new Spread(1, 1, 1), [], [], 0, []);
}
