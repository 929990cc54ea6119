namespace Apmatrix.GuestVm.Core;

/// <summary>What one batch did to one guest (see <see cref="ApcbVersions.Apply"/>).</summary>
/// <param name="Guest">The guest after the versions applied.</param>
/// <param name="Applied">The versions applied, in order: one vCPU suspend and one acknowledgement each.</param>
/// <param name="Duplicates">Versions at or below the guest's that arrived again: acknowledged as duplicates, not applied.</param>
/// <param name="ToPark">Versions after a gap: they wait until the versions before them arrive.</param>
/// <param name="UsedParked">Whether parked versions are now at or below the guest's version, to be deleted.</param>
/// <param name="Conflicted">The version the guest held, when a duplicate of it came with other masks (VfioAp numbered it again); else null.</param>
/// <param name="GivenUp">The versions given up at a gap that outlasted its timeout (first, last); null when none was.</param>
public sealed record ApcbRun(
    GuestMachineState Guest,
    IReadOnlyList<AppliedApcb> Applied,
    IReadOnlyList<long> Duplicates,
    IReadOnlyList<ApcbCommand> ToPark,
    bool UsedParked,
    long? Conflicted,
    (long First, long Last)? GivenUp = null);
