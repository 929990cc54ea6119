using System.Buffers;

namespace Apmatrix.ApModel;

/// <summary>
/// The one rule for the names of hosts, mdevs and guests, in every service, message and tool: 1 to 64 of
/// <c>A-Z a-z 0-9 . _ : -</c>, not starting with '.' or '-'. Such a name is a path segment, an index key, a log word and
/// a file name as it is (an mdev's UUID is one), and can never read as <c>..</c> or an option.
/// </summary>
public static class Names
{
    public const int MaxLength = 64;

    public const string Rule = "1 to 64 of A-Z a-z 0-9 . _ : - not starting with '.' or '-'";

    static readonly SearchValues<char> Allowed = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-");

    public static bool IsValid(ReadOnlySpan<char> name) =>
        name.Length is > 0 and <= MaxLength && name[0] is not ('.' or '-') && !name.ContainsAnyExcept(Allowed);

    /// <summary>What is wrong with <paramref name="name"/> as the name of a <paramref name="what"/> (host, mdev, guest), or null.</summary>
    public static string? Problem(string what, string? name) =>
        string.IsNullOrEmpty(name) ? $"{what} name is required"
        : IsValid(name) ? null
        : $"{InputText.Quote(name)} breaks the rule for {what} names: {Rule}";
}
