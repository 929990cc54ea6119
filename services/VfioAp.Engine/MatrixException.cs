namespace Apmatrix.Engine;

/// <summary>The ways an administrator's request or a bus mask change can be refused (spec 4.5, scenario error kinds).</summary>
public enum MatrixErrorKind
{
    /// <summary>EINVAL: malformed input.</summary>
    Invalid,
    /// <summary>ENODEV / ERANGE: an id above the host's maximum.</summary>
    OutOfRange,
    /// <summary>EADDRINUSE: the APQN is assigned to another mdev.</summary>
    InUse,
    /// <summary>EADDRNOTAVAIL: the APQN belongs to the host's default drivers.</summary>
    Reserved,
    /// <summary>EBUSY: a mask change would take an APQN assigned to an mdev.</summary>
    Busy,
    /// <summary>No such mdev.</summary>
    NotFound,
    /// <summary>EPERM: the guest already holds another mdev.</summary>
    NotPermitted,
}

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
