namespace Apmatrix.Contracts;

/// <summary>What a host's guests applied from one or more <see cref="ApplyApcbs"/>, acknowledged together.</summary>
public sealed record ApcbsApplied(string HostId, IReadOnlyList<GuestApcbApplied> Guests)
{
    // Records compare lists by reference; a message is equal to another carrying the same acknowledgements.
    public bool Equals(ApcbsApplied? other) => other is not null && HostId == other.HostId && Guests.SequenceEqual(other.Guests);

    public override int GetHashCode() => HashCode.Combine(HostId, Guests.Count);
}

/// <summary>
/// A guest has the masks of <see cref="Version"/> (or had a later one already, when <see cref="Duplicate"/>);
/// <see cref="Holds"/> is the version it holds after the batch (0 from a GuestVm built before 2026-12-06), and
/// <see cref="Conflict"/> says a duplicate of the version it holds came with other masks: both mean VfioAp numbered
/// versions the guest already had from a state VfioAp no longer has.
/// </summary>
public sealed record GuestApcbApplied(string GuestId, long Version, bool Duplicate, double SuspendedMilliseconds, long Holds = 0,
    bool Conflict = false);
