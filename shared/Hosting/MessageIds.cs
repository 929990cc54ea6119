namespace Apmatrix.Hosting;

/// <summary>
/// The ids a message may carry: the ones ApBus accepts for a host (at most 128 characters, no spaces or control
/// characters), so anything a table key or index would refuse is caught before a transaction.
/// </summary>
public static class MessageIds
{
    public const int MaxLength = 128;

    /// <summary>What is wrong with <paramref name="id"/> as a <paramref name="field"/>, or null.</summary>
    public static string? Problem(string field, string? id) =>
        string.IsNullOrEmpty(id) ? $"{field} is required"
        : id.Length > MaxLength || id.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? $"{field} is not at most {MaxLength} characters without spaces"
        : null;
}
