// Full-scale hot-plug scan: the host goes from no AP resources to 256 adapters x 256 domains
// (65,536 queue probes) while 256 mdevs hold it all: mdev i has every adapter and domain i,
// and is attached to guest i. Timed: bus.Scan(full, engine) = config changed + 65,536 probes
// + scan complete, each on a fresh set-up, in both hot-plug modes.
//
//   dotnet run -c Release --project bench/Engine.Bench [-- iterations]

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Engine;

const string Usage = "usage: dotnet run -c Release --project bench/Engine.Bench [-- ROUNDS]   (ROUNDS: a whole number from 1 to 10000, 20 when absent)";
if (args is ["-h" or "--help"])
{
    Console.WriteLine(Usage);
    return 0;
}
if (args.Length > 1 || (args is [var rounds] && !(int.TryParse(rounds, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 10_000)))
{
    Console.Error.WriteLine(Usage);
    return 2;
}
var iterations = args is [var given] ? int.Parse(given, CultureInfo.InvariantCulture) : 20;

var rows = new List<Row>
{
    Scan.Engine(HotPlugMode.Batched, iterations),
    Scan.Engine(HotPlugMode.PerQueue, iterations),
    Scan.BusOnly(iterations),
    Scan.BareArrayLoop(iterations),
};

var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
Console.WriteLine($"full-scale scan: {Scan.Adapters} adapters x {Scan.Domains} domains, {Scan.Guests} mdevs/guests, " +
                  $"{iterations} iterations after {Scan.WarmUps} warm-ups, fresh set-up each");
Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} CPUs, load average {load} (times are wall-clock: a busy host inflates them)");
Console.WriteLine();
Console.WriteLine($"{"run",-26} {"events",8} {"median ms",10} {"min ms",8} {"Mevents/s",10} {"B/event",8} {"B/ev cold",10} {"updates",8} {"per guest",10}");
foreach (var r in rows)
    Console.WriteLine($"{r.Name,-26} {r.Events,8} {r.MedianMs,10:F3} {r.MinMs,8:F3} {r.MeventsPerSecond,10:F1} {r.BytesPerEvent,8:F3} " +
                      $"{(r.ColdBytesPerEvent is { } cold ? cold.ToString("F1", CultureInfo.InvariantCulture) : "-"),10} " +
                      $"{(r.Updates is { } u ? u.ToString(CultureInfo.InvariantCulture) : "-"),8} {r.PerGuest ?? "-",10}");
Console.WriteLine();
Console.WriteLine("B/event: update list pre-sized (steady state: a long-lived engine keeps its capacity across DrainUpdates/ClearUpdates).");
Console.WriteLine($"B/ev cold: fresh engine, update list grows from empty inside the timed scan (median of {Scan.ColdIterations}).");

var batched = rows[0];
Console.WriteLine($"engine share of the batched scan (batched - bus only): {batched.MedianMs - rows[2].MedianMs:F3} ms median, " +
                  $"{(batched.MedianMs - rows[2].MedianMs) * 1e6 / Scan.Probes:F1} ns per probe");
var verdict = batched.MedianMs < 10 && batched.BytesPerEvent < 1 && batched.Updates == Scan.Guests;
Console.WriteLine($"target (batched < 10 ms, aim 2 ms; 0 B/probe; 1 update per guest): {(verdict ? "met" : "MISSED")}" +
                  $" - batched {batched.MedianMs:F2} ms, {batched.MedianMs / rows[3].MedianMs:F1}x the bare-array floor");
Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "engine-full-scale-scan", iterations, loadAverage = load, rows }));
return 0;

/// <summary>One line of the report. Times are for the whole scan; bytes are per event.</summary>
sealed record Row(string Name, int Events, double MedianMs, double MinMs, double BytesPerEvent, double? ColdBytesPerEvent,
    long? Updates, string? PerGuest)
{
    public double MeventsPerSecond => Events / MedianMs / 1000;
}

readonly record struct Sample(double Ms, long Bytes);

static class Scan
{
    public const int Adapters = Bitmap256.Capacity, Domains = Bitmap256.Capacity, Guests = Domains;
    public const int WarmUps = 5, ColdIterations = 5;
    public const int Probes = Adapters * Domains;
    const int Events = Probes + 2; // config changed + probes + scan complete

    static readonly ApConfig Empty = new(Bitmap256.Empty, Bitmap256.Empty, Bitmap256.Empty, 255, 255);
    static readonly ApConfig Full = new(Bitmap256.All, Bitmap256.All, Bitmap256.Empty, 255, 255);

    public static Row Engine(HotPlugMode mode, int iterations)
    {
        var runs = Repeat(iterations, () => Once(mode, presizedUpdates: true));
        var cold = Repeat(ColdIterations, () => Once(mode, presizedUpdates: false));
        var last = runs[^1];
        return new Row(HotPlugModes.Name(mode), Events, Median(runs, r => r.Sample.Ms), runs.Min(r => r.Sample.Ms),
            Median(runs, r => r.Sample.Bytes) / Events, Median(cold, r => r.Sample.Bytes) / Events,
            last.Updates, last.MinPerGuest == last.MaxPerGuest ? $"{last.MinPerGuest}" : $"{last.MinPerGuest}-{last.MaxPerGuest}");
    }

    /// <summary>The bus's own share: the same scan told to a listener that does nothing.</summary>
    public static Row BusOnly(int iterations)
    {
        var runs = Repeat(iterations, () =>
        {
            var bus = new HostBus(Empty, ApPermissions.None);
            return Time(() => bus.Scan(Full, NoListener.Instance));
        });
        return new Row("bus only (no-op listener)", Events, Median(runs, s => s.Ms), runs.Min(s => s.Ms),
            Median(runs, s => s.Bytes) / Events, null, null, null);
    }

    /// <summary>The floor: per APQN set its bound bit, look up its owner, test the owner's defer flag.</summary>
    public static Row BareArrayLoop(int iterations)
    {
        var owner = new ushort[Probes];
        for (var adapter = 0; adapter < Adapters; adapter++)
        for (var domain = 0; domain < Domains; domain++)
            owner[adapter << 8 | domain] = (ushort)(domain + 1);
        var defers = new bool[Guests + 1];
        var plugged = 0;
        var runs = Repeat(iterations, () =>
        {
            var bound = new ulong[Probes / 64];
            return Time(() =>
            {
                var count = 0;
                for (var apqn = 0; apqn < Probes; apqn++)
                {
                    bound[apqn >> 6] |= 1UL << (apqn & 63);
                    if (!defers[owner[apqn]]) count++;
                }
                plugged += count;
            });
        });
        if (plugged == 0) throw new InvalidOperationException("bare-array loop did nothing");
        return new Row("bare-array loop", Probes, Median(runs, s => s.Ms), runs.Min(s => s.Ms),
            Median(runs, s => s.Bytes) / Probes, null, null, null);
    }

    sealed record EngineRun(Sample Sample, long Updates, long MinPerGuest, long MaxPerGuest);

    static EngineRun Once(HotPlugMode mode, bool presizedUpdates)
    {
        var (engine, bus) = SetUp(mode, presizedUpdates);
        var before = engine.Guests.ToDictionary(g => g.Name, g => g.Version);
        var sample = Time(() => bus.Scan(Full, engine));
        var perGuest = engine.Guests.Select(g => g.Version - before[g.Name]).ToArray();
        var updates = engine.PendingUpdates.Length;
        Check(engine, mode, updates, perGuest.Sum());
        return new EngineRun(sample, updates, perGuest.Min(), perGuest.Max());
    }

    /// <summary>Not timed: empty host, 256 mdevs (every adapter, domain i), each attached to guest i, updates cleared.</summary>
    static (VfioApEngine, HostBus) SetUp(HotPlugMode mode, bool presizedUpdates)
    {
        var engine = new VfioApEngine(Empty, ApPermissions.None, mode);
        for (var i = 0; i < Guests; i++)
        {
            var mdev = engine.CreateMdev($"mdev{i}").Name;
            engine.AssignDomain(mdev, i);
            for (var adapter = 0; adapter < Adapters; adapter++) engine.AssignAdapter(mdev, adapter);
            engine.Attach(mdev, $"guest{i}");
        }
        engine.ClearUpdates();
        if (presizedUpdates) engine.ReserveUpdates(Probes + Guests);
        return (engine, new HostBus(Empty, ApPermissions.None));
    }

    /// <summary>Every guest ends with all adapters and its own domain; update counts add up.</summary>
    static void Check(VfioApEngine engine, HotPlugMode mode, int updates, long versionSum)
    {
        if (updates != versionSum) throw new InvalidOperationException($"{mode}: {updates} updates but versions moved by {versionSum}");
        foreach (var guest in engine.Guests)
        {
            var domain = int.Parse(guest.Name.AsSpan(5), CultureInfo.InvariantCulture);
            if (guest.Apcb.Apm != Bitmap256.All || guest.Apcb.Aqm != Bitmap256.Single(domain))
                throw new InvalidOperationException($"{mode}: {guest.Name} ends with {guest.Apcb}");
        }
    }

    static List<T> Repeat<T>(int iterations, Func<T> run)
    {
        for (var i = 0; i < WarmUps; i++) run();
        Thread.Sleep(200); // let background tier-1 compilation of the hot paths land
        var results = new List<T>(iterations);
        for (var i = 0; i < iterations; i++) results.Add(run());
        return results;
    }

    static Sample Time(Action timed)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        timed();
        var elapsed = Stopwatch.GetElapsedTime(start);
        return new Sample(elapsed.TotalMilliseconds, GC.GetAllocatedBytesForCurrentThread() - bytes);
    }

    static double Median<T>(List<T> runs, Func<T, double> value)
    {
        var sorted = runs.Select(value).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

sealed class NoListener : IApBusListener
{
    public static readonly NoListener Instance = new();
    public void ConfigChanged(in ApConfig current, in ApConfig previous) { }
    public void QueueProbed(Apqn apqn, QueueDriver driver) { }
    public void QueueRemoved(Apqn apqn, QueueDriver driver, QueueRemovalReason reason) { }
    public void ScanComplete(in ApConfig current, in ApConfig previous) { }
    public void PermissionsChanged(in ApPermissions permissions) { }
}
