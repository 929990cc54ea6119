using System.Diagnostics;
using Apmatrix.ApModel;

namespace Apmatrix.GuestVm.Core;

/// <summary>A simulated guest as KVM sees it for an APCB update: its vCPUs and the CRYCB format they read masks from.</summary>
public sealed class GuestMachine
{
    readonly Vcpu[] _vcpus;
    readonly long _suspendTicksPerVcpu;

    public GuestMachine(int vcpus, ApcbFormat format, TimeSpan suspendCostPerVcpu)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vcpus, 1);
        _vcpus = new Vcpu[vcpus];
        for (var i = 0; i < vcpus; i++) _vcpus[i] = new Vcpu();
        Format = format;
        _suspendTicksPerVcpu = (long)(suspendCostPerVcpu.TotalSeconds * Stopwatch.Frequency);
    }

    public ApcbFormat Format { get; }
    public IReadOnlyList<Vcpu> Vcpus => _vcpus;

    /// <summary>
    /// Spec 5: block every vCPU out of SIE, write the masks as the format holds them (APCB0 drops ids above
    /// 63 and 15), have every vCPU rebuild its nested shadow CRYCB before re-entry, unblock.
    /// </summary>
    public ApcbWrite SetMasks(ApMatrix masks)
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var vcpu in _vcpus)
        {
            vcpu.Block();
            SpinFor(_suspendTicksPerVcpu);
        }
        var written = masks.Truncate(Format);
        var image = written.ToImage(Format);
        foreach (var vcpu in _vcpus) vcpu.RequestShadowCrycbRebuild();
        foreach (var vcpu in _vcpus) vcpu.Unblock();
        return new ApcbWrite(written, image, Stopwatch.GetElapsedTime(started));
    }

    // Task.Delay and Thread.Sleep have millisecond granularity; a suspend costs microseconds.
    static void SpinFor(long ticks)
    {
        var until = Stopwatch.GetTimestamp() + ticks;
        while (Stopwatch.GetTimestamp() < until) Thread.SpinWait(8);
    }
}
