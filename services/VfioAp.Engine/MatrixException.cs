namespace Apmatrix.Engine;

/// <summary>A refused operation; nothing was changed.</summary>
public sealed class MatrixException(MatrixErrorKind kind, string message) : Exception(message)
{
    public MatrixErrorKind Kind { get; } = kind;

    /// <summary>The input the refusal is about, when one is: <c>id</c> of an assignment, <c>apm</c>, <c>aqm</c> or <c>adm</c> of a matrix.</summary>
    public string? Field { get; init; }

    /// <summary>Each input's faults when a refusal has several (a matrix's masks); else <see cref="Field"/>'s, the message.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors
    {
        get => _errors ?? (Field is { } name ? new Dictionary<string, string[]> { [name] = [Message] } : null);
        init => _errors = value;
    }

    readonly IReadOnlyDictionary<string, string[]>? _errors;

    /// <summary>The APQN the refusal is about, when it is about one (<c>05.0004</c>).</summary>
    public string? Apqn { get; init; }

    /// <summary>The other mdev that holds <see cref="Apqn"/>, when that is why.</summary>
    public string? Mdev { get; init; }

    /// <summary>What reserves <see cref="Apqn"/> for the host's default drivers, when that is why: the bus masks, or a mask change in progress.</summary>
    public string? ReservedBy { get; init; }

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
        MatrixErrorKind.Exists => "exists",
        MatrixErrorKind.NotPermitted => "not-permitted",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "a refusal kind without a name"),
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
