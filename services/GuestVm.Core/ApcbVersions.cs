using Apmatrix.Sequencing;

namespace Apmatrix.GuestVm.Core;

/// <summary>A guest applies its APCB versions in order, once each, however they arrive.</summary>
public static class ApcbVersions
{
    /// <summary>
    /// Applies the versions that follow the guest's own without a gap, from <paramref name="arrived"/> and
    /// <paramref name="parked"/> (ascending), each with one suspend/write/resume cycle of the guest's vCPUs. A gap before
    /// the lowest parked version that has lasted <paramref name="gapTimeout"/>, with none of it arriving now, is given up:
    /// VfioAp re-sends only the lowest version it has no acknowledgement for, so a gap that outlasts several re-sends holds
    /// versions acknowledged before (this guest's record is older than VfioAp's: a database restored from a backup) or one
    /// refused as a bad message. Each version is a whole APCB: the guest takes the newest version waiting, once, and every
    /// version below it is given up (parked ones from the same past may be stale).
    /// </summary>
    public static ApcbRun Apply(GuestMachineState guest, IEnumerable<ApcbCommand> arrived, IReadOnlyList<ApcbCommand> parked,
        TimeSpan suspendCostPerVcpu, DateTime now, TimeSpan gapTimeout)
    {
        var commands = arrived as IReadOnlyCollection<ApcbCommand> ?? arrived.ToList();
        var (before, from) = (guest, guest.Version);
        if (parked.Count > 0 && parked[0] is { ParkedAt: { } since, Version: var first } && first > from + 1 && now - since >= gapTimeout
            && !commands.Any(c => c.Version > from && c.Version < first))
            from = Math.Max(parked[^1].Version, commands.Max(c => (long?)c.Version) ?? 0) - 1;
        var sequencer = new Sequencer<ApcbCommand>(from, commands, c => c.Version);
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
        return new ApcbRun(guest, applied, sequencer.Repeats.Select(c => c.Version).ToList(), sequencer.ToPark(), sequencer.UsedParked,
            sequencer.Repeats.Any(c => c.Version == before.Version && !Same(before, c)) ? before.Version : null,
            GivenUp: from > before.Version ? (before.Version + 1, from) : null);
    }

    /// <summary>
    /// Whether <paramref name="command"/> holds the guest's masks, as its format keeps them. The mdev is only a name: an
    /// attach that changes no mask sends no update, so VfioAp may name another than the guest's last update did.
    /// </summary>
    static bool Same(GuestMachineState guest, ApcbCommand command) => command.Masks.Truncate(guest.Format) == guest.Apcb;
}
