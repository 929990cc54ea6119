namespace Apmatrix.Contracts;

/// <summary>
/// Queue devices of a <see cref="QueuesRemoved"/> that left their driver one after another: every APQN from
/// <paramref name="First"/> to <paramref name="Last"/> in APQN order (<see cref="ApqnRuns"/>), each for the same reason.
/// </summary>
public sealed record RemovedRun(string First, string Last, BoundDriver Driver, RemovalReason Reason);
