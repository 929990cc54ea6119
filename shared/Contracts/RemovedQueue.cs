namespace Apmatrix.Contracts;

/// <summary>One queue device of a <see cref="QueuesRemoved"/>: its APQN, the driver it left and why.</summary>
public sealed record RemovedQueue(string Apqn, BoundDriver Driver, RemovalReason Reason);
