using System.Globalization;

namespace Apmatrix.LoadTest;

/// <summary>
/// The whole machine's busy CPU time so far, from the first line of <c>/proc/stat</c>: every process counts, the
/// services, the broker, PostgreSQL and this tool alike.
/// </summary>
public static class MachineCpu
{
    // /proc/stat counts in USER_HZ ticks, which Linux fixes at 100 a second for user space (sysconf(_SC_CLK_TCK)).
    public const double UserHz = 100;

    /// <summary>Busy seconds since boot; NaN where <c>/proc/stat</c> cannot be read (not Linux).</summary>
    public static double BusySeconds()
    {
        try
        {
            return File.ReadLines("/proc/stat").FirstOrDefault() is { } line ? BusySecondsOf(line) : double.NaN;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    /// <summary>
    /// The <c>cpu</c> line's user, nice, system, irq, softirq and steal ticks in seconds (idle and iowait are not busy;
    /// guest time is within user already); NaN for any other line.
    /// </summary>
    public static double BusySecondsOf(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields is not ["cpu", _, _, _, _, _, _, _, _, ..]) return double.NaN;
        var ticks = new long[8];
        for (var i = 0; i < ticks.Length; i++)
            if (!long.TryParse(fields[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out ticks[i])) return double.NaN;
        var (user, nice, system, irq, softirq, steal) = (ticks[0], ticks[1], ticks[2], ticks[5], ticks[6], ticks[7]);
        return (user + nice + system + irq + softirq + steal) / UserHz;
    }
}
