namespace Apmatrix.Contracts;

/// <summary>
/// Queue devices of a <see cref="QueuesProbed"/> probed one after another: every APQN from <paramref name="First"/> to
/// <paramref name="Last"/> in APQN order (<see cref="ApqnRuns"/>), each bound to <paramref name="Driver"/>.
/// </summary>
public sealed record ProbedRun(string First, string Last, BoundDriver Driver);
