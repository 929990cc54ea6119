namespace Apmatrix.Hosting;

/// <summary>
/// Lets a service hold back a partition's messages while their consumer is far behind, so that the backlog stays in the
/// outbox, one per key, rather than in a broker queue other keys share. Optional: without one every row goes.
/// </summary>
public interface IOutboxPace
{
    /// <summary>How many of <paramref name="messages"/> (one key's, in order) may be published now; 0 holds them all back.</summary>
    ValueTask<int> AllowAsync(string key, IReadOnlyList<object> messages, CancellationToken cancellationToken);
}
