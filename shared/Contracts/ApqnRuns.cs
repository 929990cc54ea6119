using Apmatrix.ApModel;

namespace Apmatrix.Contracts;

/// <summary>
/// Runs of consecutive APQNs, as the grouped bus events carry them. APQN order is adapter by adapter, each adapter's
/// domains in order: <c>05.00fe</c> to <c>06.0001</c> is 05.00fe, 05.00ff, 06.0000, 06.0001.
/// </summary>
public static class ApqnRuns
{
    /// <summary>The most runs one grouped message carries, so a scan of scattered queues still makes messages of tens of KB.</summary>
    public const int MaxRuns = 1024;

    /// <summary>The most queues one grouped message carries: every APQN of a host once.</summary>
    public const int MaxQueues = 256 * 256;

    /// <summary>Reads a run's ends; <c>null</c> names the fault when they are not APQNs or the last comes before the first.</summary>
    public static string? TryRead(string? first, string? last, out Apqn from, out Apqn to)
    {
        to = default;
        if (!Apqn.TryParse(first, out from)) return $"{InputText.Quote(first)} is not an APQN";
        if (!Apqn.TryParse(last, out to)) return $"{InputText.Quote(last)} is not an APQN";
        return to.Value < from.Value ? $"{last} comes before {first}" : null;
    }

    /// <summary>Every APQN from <paramref name="from"/> to <paramref name="to"/>, in order.</summary>
    public static IEnumerable<Apqn> Each(Apqn from, Apqn to)
    {
        for (var value = (int)from.Value; value <= to.Value; value++) yield return Apqn.FromValue(value);
    }

    public static int Count(Apqn from, Apqn to) => to.Value - from.Value + 1;
}
