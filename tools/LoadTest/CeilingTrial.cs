namespace Apmatrix.LoadTest;

/// <summary>One way of moving the ceiling's messages, and how fast it went.</summary>
public sealed record CeilingTrial(string Name, int PublishChunk, string Consumer, int Prefetch, int Queues, int Messages, long BodyBytes,
    double Seconds)
{
    public double MessagesPerSecond => Messages / Seconds;
}
