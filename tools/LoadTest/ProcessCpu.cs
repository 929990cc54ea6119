using System.Globalization;

namespace Apmatrix.LoadTest;

/// <summary>
/// Where a scan's CPU went: the CPU seconds so far of each part of the run, read from <c>/proc/[pid]/stat</c>: each
/// service's instances, the broker's Erlang VMs (<c>beam.smp</c>), PostgreSQL's processes and this tool. A part whose
/// processes cannot be read (another machine, a container, not Linux) is left out, and so is one whose lasting processes
/// changed between two samples (an instance killed and started again, a server restarted): its time before is lost.
/// </summary>
public static class ProcessCpu
{
    public const string RabbitMq = "RabbitMQ";
    public const string PostgreSql = "PostgreSQL";
    public const string LoadTool = "load tool";

    /// <summary>A part's CPU seconds so far, and the processes that must last for two samples to compare (their ids).</summary>
    public sealed record Part(double Seconds, string Processes);

    /// <summary>Each part so far: the services by name, then <see cref="RabbitMq"/>, <see cref="PostgreSql"/>, <see cref="LoadTool"/>.</summary>
    public static Dictionary<string, Part> Sample(IStack stack)
    {
        var parts = new Dictionary<string, Part>();
        foreach (var service in stack.All.GroupBy(i => i.Service))
            if (service.All(i => i.ProcessId is not null))
                Add(parts, service.Key, [.. service.Select(i => (i.ProcessId!.Value, Stat(i.ProcessId!.Value)))], reaped: false, lasting: _ => true);
        var running = Running();
        if (BrokerOf(running) is { } broker) parts[RabbitMq] = broker;
        // Backends come and go; each exited one's time is in the postmaster's reaped children's, and the postmaster lasts.
        var postgres = running.Where(p => CommandOf(p.Stat!) == "postgres").ToList();
        var ids = postgres.Select(p => p.Pid.ToString(CultureInfo.InvariantCulture)).ToHashSet();
        Add(parts, PostgreSql, [.. postgres], reaped: true, lasting: stat => !ids.Contains(ParentOf(stat) ?? ""));
        Add(parts, LoadTool, [(Environment.ProcessId, Stat(Environment.ProcessId))], reaped: false, lasting: _ => true);
        return parts;
    }

    /// <summary>RabbitMQ's part alone, as <see cref="Sample"/> reads it; null where it cannot be read.</summary>
    public static Part? Broker() => BrokerOf(Running());

    static Part? BrokerOf(List<(int Pid, string? Stat)> running) =>
        PartOf([.. running.Where(p => CommandOf(p.Stat!) == "beam.smp" && IsBrokerNode(ProcFile(p.Pid, "cmdline")))], reaped: true, lasting: _ => true);

    /// <summary>
    /// Whether an Erlang VM's command line (<c>/proc/[pid]/cmdline</c>, arguments ended by NUL) starts RabbitMQ: rabbitmqctl
    /// runs a VM of its own for a second or so, which would otherwise change the broker's processes between two samples.
    /// </summary>
    public static bool IsBrokerNode(string? commandLine) => commandLine?.Contains("\0-s\0rabbit\0", StringComparison.Ordinal) == true;

    /// <summary>What each part of <paramref name="end"/> spent since <paramref name="start"/>, in whole ticks; a part missing from either, or whose lasting processes changed, is left out.</summary>
    public static Dictionary<string, double> Spent(IReadOnlyDictionary<string, Part> start, IReadOnlyDictionary<string, Part> end) =>
        end.Select(p => (p.Key, Seconds: Spent(start.GetValueOrDefault(p.Key), p.Value))).Where(p => !double.IsNaN(p.Seconds))
            .ToDictionary(p => p.Key, p => p.Seconds);

    /// <summary>What one part spent from <paramref name="start"/> to <paramref name="end"/>; NaN when either is missing or its lasting processes changed.</summary>
    public static double Spent(Part? start, Part? end) =>
        start is null || end is null || start.Processes != end.Processes ? double.NaN : Math.Round(Math.Max(0, end.Seconds - start.Seconds), 2);

    /// <summary>
    /// A <c>stat</c> line's user and system time in seconds, with its reaped children's when <paramref name="reaped"/>;
    /// NaN for a line that is not one. The command may hold spaces and parentheses, so fields count from its last ')'.
    /// </summary>
    public static double SecondsOf(string stat, bool reaped)
    {
        if (FieldsOf(stat) is not { Length: >= 15 } fields) return double.NaN;
        // After the command: state, ppid, pgrp, session, tty, tpgid, flags, minflt, cminflt, majflt, cmajflt, utime, stime, cutime, cstime.
        long ticks = 0;
        foreach (var i in reaped ? new[] { 11, 12, 13, 14 } : [11, 12])
        {
            if (!long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return double.NaN;
            ticks += value;
        }
        return ticks / MachineCpu.UserHz;
    }

    /// <summary>The command of a <c>stat</c> line, between its first '(' and last ')'; null for a line that is not one.</summary>
    public static string? CommandOf(string stat)
    {
        var (open, close) = (stat.IndexOf('('), stat.LastIndexOf(')'));
        return open < 0 || close < open ? null : stat[(open + 1)..close];
    }

    /// <summary>The parent's id of a <c>stat</c> line, as written; null for a line that is not one.</summary>
    public static string? ParentOf(string stat) => FieldsOf(stat) is { Length: >= 2 } fields ? fields[1] : null;

    static string[]? FieldsOf(string stat)
    {
        var close = stat.LastIndexOf(')');
        return close < 0 ? null : stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// Adds <paramref name="part"/> with the seconds of its processes together and the ids of those <paramref name="lasting"/>
    /// picks, unless it has none or one cannot be read.
    /// </summary>
    static void Add(Dictionary<string, Part> parts, string part, List<(int Pid, string? Stat)> processes, bool reaped, Func<string, bool> lasting)
    {
        if (PartOf(processes, reaped, lasting) is { } read) parts[part] = read;
    }

    static Part? PartOf(List<(int Pid, string? Stat)> processes, bool reaped, Func<string, bool> lasting)
    {
        if (processes.Count == 0 || processes.Any(p => p.Stat is null)) return null;
        var seconds = processes.Select(p => SecondsOf(p.Stat!, reaped)).ToList();
        if (seconds.Any(double.IsNaN)) return null;
        var ids = processes.Where(p => lasting(p.Stat!)).Select(p => p.Pid).Order();
        return new Part(seconds.Sum(), string.Join(' ', ids));
    }

    /// <summary>Every process that can be read now, with its <c>stat</c> line.</summary>
    static List<(int Pid, string? Stat)> Running()
    {
        try
        {
            return [.. Directory.EnumerateDirectories("/proc").Select(Path.GetFileName)
                .Select(name => int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? (Pid: pid, Stat: Stat(pid)) : (Pid: 0, Stat: null))
                .Where(p => p.Stat is not null)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    static string? Stat(int pid) => ProcFile(pid, "stat");

    /// <summary>A file of <c>/proc/[pid]</c>; null once the process is gone or where it cannot be read.</summary>
    static string? ProcFile(int pid, string name)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/{name}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
