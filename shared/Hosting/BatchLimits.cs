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
    /// <summary>Messages in flight when every batch is full: what the endpoint must prefetch for batches to fill.</summary>
    public int Capacity => MessageLimit * ConcurrencyLimit;
}
