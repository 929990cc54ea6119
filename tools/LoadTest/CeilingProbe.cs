using Apmatrix.Contracts;

namespace Apmatrix.LoadTest;

/// <summary>
/// Shaped like <see cref="QueueProbed"/> (same fields, same envelope size) but of its own type, so its
/// exchange reaches no service queue that may be bound in the same virtual host.
/// </summary>
public sealed record CeilingProbe(string HostId, long Sequence, Guid? ScanId, string Apqn, BoundDriver Driver);
