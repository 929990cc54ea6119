namespace Apmatrix.Engine;

/// <summary>A refused operation; nothing was changed.</summary>
public sealed class MatrixException(MatrixErrorKind kind, string message) : Exception(message)
{
    public MatrixErrorKind Kind { get; } = kind;

    /// <summary>The kind as scenario files and problem details spell it: <c>out-of-range</c>, <c>in-use</c>, ...</summary>
    public string KindName => Name(Kind);

    public static string Name(MatrixErrorKind kind) => kind switch
    {
        MatrixErrorKind.Invalid => "invalid",
        MatrixErrorKind.OutOfRange => "out-of-range",
        MatrixErrorKind.InUse => "in-use",
        MatrixErrorKind.Reserved => "reserved",
        MatrixErrorKind.Busy => "busy",
        MatrixErrorKind.NotFound => "not-found",
        _ => "not-permitted",
    };

    public static bool TryParseKind(string name, out MatrixErrorKind kind)
    {
        foreach (var candidate in Enum.GetValues<MatrixErrorKind>())
            if (Name(candidate) == name)
            {
                kind = candidate;
                return true;
            }
        kind = default;
        return false;
    }
}
