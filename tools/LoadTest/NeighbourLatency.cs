namespace Apmatrix.LoadTest;

/// <summary>
/// The neighbours' configuration changes in one mode's run (<see cref="NeighbourLayout"/>), each timed from just before its
/// <c>PUT</c> to its guest's update applied: idle (nothing else running) and loaded (beside the big hosts' timed scans). A change
/// whose update never arrived counts among the changes made, not in the times, and is a failure of the run.
/// </summary>
public sealed record NeighbourLatency(int Neighbours, long IdleChanges, Percentiles Idle, long LoadedChanges, Percentiles Loaded);
