using Apmatrix.ApModel;
using Apmatrix.VfioAp.Reconciliation;

namespace Apmatrix.Services.Tests.VfioAp;

/// <summary>ApBus's snapshot as VfioAp's reconcile reads it: whether the engine applied the open window's config changed.</summary>
public class BusSnapshotTests
{
    static ApBusSnapshot Open(long? windowSequence) => new("h1", new ApBusConfig("4-5", "4", "", 255, 255), new ApBusMasks("", ""),
        [new ApBusAdapterQueues(4, "4", "")], ScanOpen: true, new ApBusConfig("4", "4", "", 255, 255), windowSequence, LastSequence: 7, Digest: "");

    [Theory]
    [InlineData(5L, 4L, false)]
    [InlineData(5L, 5L, true)]
    [InlineData(5L, 7L, true)]
    [InlineData(null, 7L, null)]
    public void Should_say_whether_the_engine_applied_the_window_s_config_changed(long? windowSequence, long applied, bool? expected)
    {
        var truth = Open(windowSequence).ToTruth(applied);

        Assert.Equal((expected, Ids("4")), (truth.WindowApplied, truth.PreviousConfig.Apm));
    }

    [Fact]
    public void Should_refuse_an_open_window_without_the_configuration_it_changed_from_naming_the_fix()
    {
        var refused = Assert.Throws<FormatException>(() => (Open(5) with { PreviousConfig = null }).ToTruth(5));

        Assert.Contains("upgrade ApBus first", refused.Message);
    }

    static Bitmap256 Ids(string rangeList) => Bitmap256.ParseRangeList(rangeList);
}
