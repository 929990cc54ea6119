namespace Apmatrix.LoadTest;

/// <summary>Every batching tried for as many messages as a run in <see cref="Form"/> moves; the fastest is the ceiling.</summary>
public sealed record CeilingResult(string Form, int Messages, IReadOnlyList<CeilingTrial> Trials)
{
    public CeilingTrial Best => Trials.MaxBy(t => t.MessagesPerSecond)!;
    public double MessagesPerSecond => Best.MessagesPerSecond;
}
