using System.Globalization;

namespace Apmatrix.LoadTest;

/// <summary>
/// Where a scan's CPU went: the CPU seconds so far of each part of the run, read from <c>/proc/[pid]/stat</c>: each
/// service's instances, the broker's Erlang VMs (<c>beam.smp</c>), PostgreSQL's processes and this tool. A part whose
/// processes cannot be read (another machine, a container, not Linux) is left out.
/// </summary>
public static class ProcessCpu
{
    // As MachineCpu: /proc counts in USER_HZ ticks, 100 a second for user space.
    const double UserHz = 100;

    public const string RabbitMq = "RabbitMQ";
    public const string PostgreSql = "PostgreSQL";
    public const string LoadTool = "load tool";

    /// <summary>CPU seconds so far of each part: the services by name, then <see cref="RabbitMq"/>, <see cref="PostgreSql"/>, <see cref="LoadTool"/>.</summary>
    public static Dictionary<string, double> Sample(IStack stack)
    {
        var parts = new Dictionary<string, double>();
        foreach (var service in stack.All.GroupBy(i => i.Service))
            if (service.All(i => i.ProcessId is not null))
                Add(parts, service.Key, service.Select(i => Stat(i.ProcessId!.Value)).ToList(), reaped: false);
        var running = Running();
        // Each exited backend's time is in its parent's reaped children's: counting those keeps PostgreSQL's total from dropping.
        foreach (var (part, command) in new[] { (RabbitMq, "beam.smp"), (PostgreSql, "postgres") })
            Add(parts, part, running.Where(stat => CommandOf(stat) == command).ToList<string?>(), reaped: true);
        Add(parts, LoadTool, [Stat(Environment.ProcessId)], reaped: false);
        return parts;
    }

    /// <summary>What each part of <paramref name="end"/> spent since <paramref name="start"/>, in whole ticks; a part missing from either is left out.</summary>
    public static Dictionary<string, double> Spent(IReadOnlyDictionary<string, double> start, IReadOnlyDictionary<string, double> end) =>
        end.Where(p => start.ContainsKey(p.Key)).ToDictionary(p => p.Key, p => Math.Round(Math.Max(0, p.Value - start[p.Key]), 2));

    /// <summary>
    /// A <c>stat</c> line's user and system time in seconds, with its reaped children's when <paramref name="reaped"/>;
    /// NaN for a line that is not one. The command may hold spaces and parentheses, so fields count from its last ')'.
    /// </summary>
    public static double SecondsOf(string stat, bool reaped)
    {
        var close = stat.LastIndexOf(')');
        if (close < 0) return double.NaN;
        // After the command: state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt, cmajflt, utime, stime, cutime, cstime.
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 15) return double.NaN;
        long ticks = 0;
        foreach (var i in reaped ? new[] { 11, 12, 13, 14 } : [11, 12])
        {
            if (!long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return double.NaN;
            ticks += value;
        }
        return ticks / UserHz;
    }

    /// <summary>The command of a <c>stat</c> line, between its first '(' and last ')'; null for a line that is not one.</summary>
    public static string? CommandOf(string stat)
    {
        var (open, close) = (stat.IndexOf('('), stat.LastIndexOf(')'));
        return open < 0 || close < open ? null : stat[(open + 1)..close];
    }

    /// <summary>Adds <paramref name="part"/> with the seconds of <paramref name="stats"/> together, unless there are none or one cannot be read.</summary>
    static void Add(Dictionary<string, double> parts, string part, List<string?> stats, bool reaped)
    {
        var seconds = stats.Select(stat => stat is null ? double.NaN : SecondsOf(stat, reaped)).ToList();
        if (seconds.Count > 0 && !seconds.Any(double.IsNaN)) parts[part] = seconds.Sum();
    }

    /// <summary>The <c>stat</c> line of every process that can be read now.</summary>
    static List<string> Running()
    {
        try
        {
            return [.. Directory.EnumerateDirectories("/proc").Select(Path.GetFileName)
                .Select(name => int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? Stat(pid) : null).OfType<string>()];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    static string? Stat(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
