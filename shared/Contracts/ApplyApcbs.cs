namespace Apmatrix.Contracts;

/// <summary>
/// Command to a host's guests: make each guest's APCB exactly its masks. What one change of the host gave its guests
/// travels as one message, so a scan's 256 updates cost one publish, not 256. Versions count up by one per guest; a
/// guest applies them in order, once each, and acknowledges stale or repeated ones without applying them.
/// </summary>
public sealed record ApplyApcbs(string HostId, IReadOnlyList<GuestApcb> Guests)
{
    /// <summary>The most guest updates one message carries (a host's every guest at 64 bytes of masks each is ~300 KB).</summary>
    public const int MaxGuests = 1024;

    // Records compare lists by reference; a message is equal to another carrying the same updates.
    public bool Equals(ApplyApcbs? other) => other is not null && HostId == other.HostId && Guests.SequenceEqual(other.Guests);

    public override int GetHashCode() => HashCode.Combine(HostId, Guests.Count);
}

/// <summary>One guest's update in <see cref="ApplyApcbs"/>: its version and the masks of its APCB, as sysfs hex.</summary>
public sealed record GuestApcb(string GuestId, long Version, string Apm, string Aqm, string Adm, string? Mdev);
