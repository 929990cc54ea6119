using Apmatrix.ApModel;

namespace Apmatrix.Engine;

/// <summary>A guest as stored between requests: the APCB last sent to it and that update's version.</summary>
public sealed record GuestState(string Name, ApMatrix Apcb, long Version);
