using System.Globalization;

namespace Apmatrix.Integration.Tests.Telemetry;

/// <summary>One metric read from a service's Prometheus text, for tests that watch a figure rather than the whole scrape.</summary>
public static class MetricText
{
    /// <summary>The sum of the series of <paramref name="name"/> (every label set) in <paramref name="service"/>'s <c>/metrics</c>; 0 when it has none.</summary>
    public static async Task<double> SumAsync(HttpClient service, string name) =>
        (await service.GetStringAsync("/metrics")).Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is '{' or ' ')
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
