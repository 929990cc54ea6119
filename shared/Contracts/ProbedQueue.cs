namespace Apmatrix.Contracts;

/// <summary>One queue device of a <see cref="QueuesProbed"/>: its APQN (<c>05.0004</c>) and the driver it was bound to.</summary>
public sealed record ProbedQueue(string Apqn, BoundDriver Driver);
