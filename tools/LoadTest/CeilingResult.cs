namespace Apmatrix.LoadTest;

/// <summary>Every batching tried; the fastest is the ceiling.</summary>
public sealed record CeilingResult(int Messages, IReadOnlyList<CeilingTrial> Trials)
{
    public CeilingTrial Best => Trials.MaxBy(t => t.MessagesPerSecond)!;
    public double MessagesPerSecond => Best.MessagesPerSecond;
}
