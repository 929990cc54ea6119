using Apmatrix.ApModel;

namespace Apmatrix.Engine;

/// <summary>An mdev as stored between requests: its matrix, shadow APCB, pending additions and guest.</summary>
public sealed record MdevState(string Name, int MaxAdapter, int MaxDomain, ApMatrix Assigned, ApMatrix Shadow, ApMatrix Added, string? Guest);
