using System.Collections.Concurrent;
using System.Diagnostics;
using Apmatrix.Contracts;

namespace Apmatrix.LoadTest;

/// <summary>When each ScanComplete (by host and sequence) and each guest's applied version first arrived.</summary>
public sealed class ArrivalTimes(Stopwatch clock)
{
    readonly ConcurrentDictionary<(string Host, long Sequence), double> _scanComplete = new();
    readonly ConcurrentDictionary<(string Host, string Guest, long Version), double> _applied = new();
    readonly ConcurrentDictionary<(string Host, string Guest), long> _highest = new();
    long _duplicates;

    /// <summary>ApcbApplied messages that repeated an acknowledgement (GuestVm's Duplicate flag, or the same version again).</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    public double? ScanCompleteAt(string host, long sequence) => _scanComplete.TryGetValue((host, sequence), out var at) ? at : null;

    public double? AppliedAt(string host, string guest, long version) => _applied.TryGetValue((host, guest, version), out var at) ? at : null;

    /// <summary>The highest version the guest has reported applied: progress even while its last version is far off.</summary>
    public long HighestApplied(string host, string guest) => _highest.GetValueOrDefault((host, guest));

    internal Task Note(ScanComplete message)
    {
        _scanComplete.TryAdd((message.HostId, message.Sequence), clock.Elapsed.TotalMilliseconds);
        return Task.CompletedTask;
    }

    internal Task Note(ApcbApplied message)
    {
        if (message.Duplicate || !_applied.TryAdd((message.HostId, message.GuestId, message.Version), clock.Elapsed.TotalMilliseconds))
            Interlocked.Increment(ref _duplicates);
        else
            _highest.AddOrUpdate((message.HostId, message.GuestId), message.Version, (_, highest) => Math.Max(highest, message.Version));
        return Task.CompletedTask;
    }
}
