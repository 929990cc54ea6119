using HdrHistogram;

namespace Apmatrix.LoadTest;

/// <summary>Milliseconds at the 50th and 99th percentile and the maximum, over <see cref="Count"/> values.</summary>
public sealed record Percentiles(long Count, double P50, double P99, double Max)
{
    /// <summary>Over values in microseconds, recorded in a histogram of 3 significant digits.</summary>
    public static Percentiles Of(LongHistogram microseconds) => microseconds.TotalCount == 0
        ? new Percentiles(0, 0, 0, 0)
        : new Percentiles(microseconds.TotalCount, microseconds.GetValueAtPercentile(50) / 1000.0,
            microseconds.GetValueAtPercentile(99) / 1000.0, microseconds.GetMaxValue() / 1000.0);

    /// <summary>Over values in milliseconds, recorded to the microsecond as <see cref="Of(LongHistogram)"/> records them.</summary>
    public static Percentiles Of(IEnumerable<double> milliseconds)
    {
        var histogram = new LongHistogram(TimeStamp.Hours(1), 3);
        foreach (var ms in milliseconds) histogram.RecordValue((long)(ms * 1000));
        return Of(histogram);
    }
}
