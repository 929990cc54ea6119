namespace Apmatrix.Contracts;

/// <summary>What a host's guests applied from one or more <see cref="ApplyApcbs"/>, acknowledged together.</summary>
public sealed record ApcbsApplied(string HostId, IReadOnlyList<GuestApcbApplied> Guests)
{
    // Records compare lists by reference; a message is equal to another carrying the same acknowledgements.
    public bool Equals(ApcbsApplied? other) => other is not null && HostId == other.HostId && Guests.SequenceEqual(other.Guests);

    public override int GetHashCode() => HashCode.Combine(HostId, Guests.Count);
}

/// <summary>A guest has the masks of <see cref="Version"/> (or had a later one already, when <see cref="Duplicate"/>).</summary>
public sealed record GuestApcbApplied(string GuestId, long Version, bool Duplicate, double SuspendedMilliseconds);
