using System.Text;

namespace Apmatrix.ApModel;

/// <summary>How an error shows a value it refuses: never more than a short, printable prefix of what a caller sent.</summary>
public static class InputText
{
    public const int Shown = 32;

    /// <summary>
    /// <paramref name="text"/> in quotes, at most <see cref="Shown"/> characters, anything but printable ASCII as <c>\uXXXX</c>,
    /// so an error neither echoes a large value nor carries a control character or a lone surrogate into a log or a JSON answer.
    /// </summary>
    public static string Quote(ReadOnlySpan<char> text) => Quote(text, Shown);

    /// <summary>The same, showing at most <paramref name="shown"/> characters.</summary>
    public static string Quote(ReadOnlySpan<char> text, int shown)
    {
        var quoted = new StringBuilder("'", shown + 24);
        foreach (var c in text[..Math.Min(text.Length, shown)])
            if (c is >= ' ' and <= '~') quoted.Append(c);
            else quoted.Append($"\\u{(int)c:x4}");
        quoted.Append('\'');
        if (text.Length > shown) quoted.Append($"... ({text.Length} characters)");
        return quoted.ToString();
    }
}
