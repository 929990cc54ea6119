namespace Apmatrix.LoadTest;

/// <summary>
/// One way of moving the ceiling's messages, and how fast it went. <paramref name="CpuSeconds"/>: the machine's busy CPU
/// over the timed span (<see cref="MachineCpu"/>); <paramref name="BrokerCpuSeconds"/>: RabbitMQ's in it (<see cref="ProcessCpu"/>);
/// NaN where they could not be read.
/// </summary>
public sealed record CeilingTrial(string Name, int PublishChunk, string Consumer, int Prefetch, int Queues, int Messages, long BodyBytes,
    double Seconds, double CpuSeconds = double.NaN, double BrokerCpuSeconds = double.NaN)
{
    public double MessagesPerSecond => Messages / Seconds;

    /// <summary>The machine's CPU for each CPU-second of RabbitMQ's: what moving a message costs beyond the broker, whatever the machine's speed.</summary>
    public double CpuPerBrokerSecond => CpuSeconds / BrokerCpuSeconds;
}
