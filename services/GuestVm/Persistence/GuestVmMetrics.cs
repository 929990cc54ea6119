using System.Diagnostics.Metrics;
using Apmatrix.Hosting;

namespace Apmatrix.GuestVm.Persistence;

/// <summary>GuestVm's instruments (docs/ARCHITECTURE.md, Metrics), recorded after the batch that applied the updates commits.</summary>
public sealed class GuestVmMetrics(ServiceMeter service)
{
    readonly Counter<long> _applied = service.Meter.CreateCounter<long>("apcb_updates.applied", "{update}",
        "Guest APCB updates applied (duplicates and parked versions not counted)");
    readonly Histogram<double> _suspended = service.Meter.CreateHistogram<double>("vcpus.suspended", "ms",
        "How long one update kept the guest's vCPUs suspended");

    public void Applied(IReadOnlyCollection<double> suspendedMilliseconds)
    {
        if (suspendedMilliseconds.Count == 0) return;
        _applied.Add(suspendedMilliseconds.Count);
        foreach (var ms in suspendedMilliseconds) _suspended.Record(ms);
    }
}
