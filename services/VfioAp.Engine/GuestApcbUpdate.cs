using Apmatrix.ApModel;

namespace Apmatrix.Engine;

/// <summary>One guest APCB update the engine asks for: the full target masks, numbered per guest.</summary>
public readonly record struct GuestApcbUpdate(string Guest, long Version, ApMatrix Apcb, string? Mdev);
