using Apmatrix.Sequencing;

namespace Apmatrix.GuestVm.Core;

/// <summary>A guest applies its APCB versions in order, once each, however they arrive.</summary>
public static class ApcbVersions
{
    /// <summary>
    /// Applies the versions that follow the guest's own without a gap, from <paramref name="arrived"/> and
    /// <paramref name="parked"/> (ascending), each with one suspend/write/resume cycle of the guest's vCPUs.
    /// </summary>
    public static ApcbRun Apply(GuestMachineState guest, IEnumerable<ApcbCommand> arrived, IReadOnlyList<ApcbCommand> parked,
        TimeSpan suspendCostPerVcpu, DateTime now)
    {
        var sequencer = new Sequencer<ApcbCommand>(guest.Version, arrived, c => c.Version);
        var run = sequencer.Advance(parked);
        var applied = new List<AppliedApcb>(run.Count);
        if (run.Count > 0)
        {
            var machine = new GuestMachine(guest.Vcpus, guest.Format, suspendCostPerVcpu);
            foreach (var command in run)
            {
                var write = machine.SetMasks(command.Masks);
                guest = guest.Applied(command, write, now);
                applied.Add(new AppliedApcb(command.Version, write.Masks, command.Mdev, write.Suspended.TotalMilliseconds));
            }
        }
        return new ApcbRun(guest, applied, sequencer.Repeats.Select(c => c.Version).ToList(), sequencer.ToPark(), sequencer.UsedParked);
    }
}
