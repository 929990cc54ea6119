namespace Apmatrix.Scenarios;

/// <summary>A scenario file that does not follow the format; names the file, the JSON path and the reason.</summary>
public sealed class ScenarioFormatException(string file, string path, string reason)
    : Exception($"{file}: {path}: {reason}")
{
    public string File { get; } = file;
    public string JsonPath { get; } = path;
    public string Reason { get; } = reason;
}
