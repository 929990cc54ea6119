namespace Apmatrix.Hosting;

/// <summary>
/// Lets a service hold back a partition's messages while their consumer is far behind, so that the backlog stays in the
/// outbox, one per key, rather than in a broker queue other keys share. Optional: without one every row goes.
/// </summary>
public interface IOutboxPace
{
    /// <summary>
    /// The most rows each held-back key may send now, asked before a batch is read so that a paced key's batch reads only
    /// what can go; keys not named are read in full batches. A hint: <see cref="AllowAsync"/> still decides.
    /// </summary>
    ValueTask<IReadOnlyDictionary<string, int>> LimitsAsync(CancellationToken cancellationToken);

    /// <summary>How many of <paramref name="messages"/> (one key's, in order) may be published now; 0 holds them all back.</summary>
    ValueTask<int> AllowAsync(string key, IReadOnlyList<object> messages, CancellationToken cancellationToken);
}
