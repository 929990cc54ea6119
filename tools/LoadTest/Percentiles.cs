namespace Apmatrix.LoadTest;

/// <summary>Milliseconds at the 50th and 99th percentile and the maximum, over <see cref="Count"/> values.</summary>
public sealed record Percentiles(long Count, double P50, double P99, double Max);
