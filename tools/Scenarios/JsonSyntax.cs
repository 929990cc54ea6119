using System.Text.Json;

namespace Apmatrix.Scenarios;

/// <summary>A JSON reader's complaint as a person reads it: one-based line and byte where the reader knows them, then the reason.</summary>
public static class JsonSyntax
{
    /// <summary>"line L, byte B" (null where the reader gives no position) and the reason, without the reader's own zero-based position.</summary>
    public static (string? Place, string Reason) Describe(JsonException e) =>
        (e.LineNumber is { } line ? $"line {line + 1}, byte {e.BytePositionInLine + 1}" : null, e.Message.Split(" LineNumber:")[0].Trim());
}
