using System.Collections.Concurrent;
using System.Diagnostics;
using Apmatrix.Contracts;

namespace Apmatrix.LoadTest;

/// <summary>
/// When each ScanComplete (by host and sequence) and each guest's applied version first arrived; a waiter learns when a
/// guest first reported a version at or after the one it waits for.
/// </summary>
public sealed class ArrivalTimes(Stopwatch clock)
{
    readonly Lock _gate = new();
    readonly List<(string Host, string Guest, long Version, TaskCompletionSource<double> Arrived)> _waiting = [];
    readonly ConcurrentDictionary<(string Host, long Sequence), double> _scanComplete = new();
    readonly ConcurrentDictionary<(string Host, string Guest, long Version), double> _applied = new();
    readonly ConcurrentDictionary<(string Host, string Guest), long> _highest = new();
    long _duplicates;

    /// <summary>Guest acknowledgements that repeated one (GuestVm's Duplicate flag, or the same version again).</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    public double? ScanCompleteAt(string host, long sequence) => _scanComplete.TryGetValue((host, sequence), out var at) ? at : null;

    public double? AppliedAt(string host, string guest, long version) => _applied.TryGetValue((host, guest, version), out var at) ? at : null;

    /// <summary>The highest version the guest has reported applied: progress even while its last version is far off.</summary>
    public long HighestApplied(string host, string guest) => _highest.GetValueOrDefault((host, guest));

    /// <summary>
    /// When the guest first reported <paramref name="version"/> or a later one applied (GuestVm applies a guest's versions in
    /// order, so a later one means this one is applied too): at once when that has happened, else at that arrival.
    /// </summary>
    public Task<double> FirstAppliedAsync(string host, string guest, long version)
    {
        lock (_gate)
        {
            var highest = HighestApplied(host, guest);
            if (highest >= version)
            {
                var at = double.MaxValue;
                for (var v = version; v <= highest; v++)
                    if (AppliedAt(host, guest, v) is { } arrived) at = Math.Min(at, arrived);
                return Task.FromResult(at);
            }
            var arrival = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((host, guest, version, arrival));
            return arrival.Task;
        }
    }

    public Task Note(ScanComplete message)
    {
        _scanComplete.TryAdd((message.HostId, message.Sequence), clock.Elapsed.TotalMilliseconds);
        return Task.CompletedTask;
    }

    public Task Note(ApcbsApplied message)
    {
        var at = clock.Elapsed.TotalMilliseconds;
        foreach (var ack in message.Guests) Note(message.HostId, ack, at);
        return Task.CompletedTask;
    }

    void Note(string host, GuestApcbApplied ack, double at)
    {
        if (ack.Duplicate || !_applied.TryAdd((host, ack.GuestId, ack.Version), at))
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }
        // The highest and the waiters change together: a waiter either finds this version as the highest or is answered here.
        lock (_gate)
        {
            _highest.AddOrUpdate((host, ack.GuestId), ack.Version, (_, highest) => Math.Max(highest, ack.Version));
            _waiting.RemoveAll(w =>
            {
                if (w.Host != host || w.Guest != ack.GuestId || w.Version > ack.Version) return false;
                w.Arrived.TrySetResult(at);
                return true;
            });
        }
    }
}
