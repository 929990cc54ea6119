namespace Apmatrix.Contracts;

/// <summary>A guest has the masks of <see cref="Version"/> (or had a later one already, when <see cref="Duplicate"/>).</summary>
public sealed record ApcbApplied(string HostId, string GuestId, long Version, bool Duplicate, double SuspendedMilliseconds);
