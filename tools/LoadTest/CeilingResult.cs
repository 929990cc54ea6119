namespace Apmatrix.LoadTest;

/// <summary>
/// Every batching tried for as many messages as a run in <see cref="Form"/> moves, before the services start; the fastest
/// is the ceiling. <paramref name="After"/>: that batching once more after the services stopped, when measured; the
/// ceiling is then the mean of the two, so a machine that sped up or slowed down during the run moves it half way.
/// </summary>
public sealed record CeilingResult(string Form, int Messages, IReadOnlyList<CeilingTrial> Trials, CeilingTrial? After = null)
{
    public CeilingTrial Best => Trials.MaxBy(t => t.MessagesPerSecond)!;
    public double MessagesPerSecond => After is null ? Best.MessagesPerSecond : (Best.MessagesPerSecond + After.MessagesPerSecond) / 2;
}
