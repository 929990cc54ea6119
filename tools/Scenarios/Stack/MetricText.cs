using System.Globalization;

namespace Apmatrix.Scenarios.Stack;

/// <summary>One metric read from a service's Prometheus text, for callers that watch a figure rather than the whole scrape.</summary>
public static class MetricText
{
    /// <summary>The sum of the series of <paramref name="name"/> (every label set) in <paramref name="service"/>'s <c>/metrics</c>; 0 when it has none.</summary>
    public static async Task<double> SumAsync(HttpClient service, string name, CancellationToken cancellationToken = default) =>
        Sum(await service.GetStringAsync("/metrics", cancellationToken), name);

    /// <summary>The sum of the series of <paramref name="name"/> in the Prometheus text <paramref name="scrape"/>.</summary>
    public static double Sum(string scrape, string name) =>
        scrape.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is '{' or ' ')
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
