using MassTransit;

namespace Apmatrix.Hosting;

/// <summary>
/// How a consumer gathers messages into batches: a batch closes when it holds <see cref="MessageLimit"/> messages or
/// <see cref="TimeLimit"/> after its first (or latest) message; <see cref="ConcurrencyLimit"/> batches run at once.
/// The defaults are MassTransit's.
/// </summary>
public sealed record BatchLimits(int MessageLimit, TimeSpan TimeLimit, int ConcurrencyLimit = 1,
    BatchTimeLimitStart TimeLimitStart = BatchTimeLimitStart.FromFirst)
{
    /// <summary>
    /// Messages in flight when every batch is full and one more is filling: what the endpoint must prefetch and admit
    /// at once, since a message waits in its batch until the batch is done; without the extra batch the next one would
    /// start empty each time and close on its time limit half full.
    /// </summary>
    public int Capacity => MessageLimit * (ConcurrencyLimit + 1);
}
