namespace Apmatrix.LoadTest;

/// <summary>The smallest, mean and largest of one figure over guests.</summary>
public sealed record Spread(double Min, double Mean, double Max)
{
    public static Spread Of(IReadOnlyCollection<double> values) =>
        values.Count == 0 ? new(0, 0, 0) : new(values.Min(), values.Average(), values.Max());
}
