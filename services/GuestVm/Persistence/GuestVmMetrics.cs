using System.Diagnostics.Metrics;
using Apmatrix.Hosting;

namespace Apmatrix.GuestVm.Persistence;

/// <summary>GuestVm's instruments (docs/ARCHITECTURE.md, Metrics), recorded after the batch that applied the updates commits.</summary>
public sealed class GuestVmMetrics(ServiceMeter service) : IStartAtZero
{
    readonly Counter<long> _applied = service.Meter.CreateCounter<long>(service.Name("apcb_updates.applied"), "{update}",
        "Guest APCB updates applied (duplicates and parked versions not counted)");
    readonly Histogram<double> _suspended = service.Meter.CreateHistogram<double>(service.Name("vcpus.suspended"), "s",
        "How long one update kept the guest's vCPUs suspended", advice: Buckets);

    /// <summary>10 µs to about 5 s.</summary>
    static readonly InstrumentAdvice<double> Buckets = ServiceMeter.Doubling(0.00001, 20);

    public void StartAtZero() => _applied.Add(0);

    public void Applied(IReadOnlyCollection<double> suspendedMilliseconds)
    {
        if (suspendedMilliseconds.Count == 0) return;
        _applied.Add(suspendedMilliseconds.Count);
        foreach (var ms in suspendedMilliseconds) _suspended.Record(ms / 1000);
    }
}
