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
    /// <summary>EEXIST: an mdev of that name exists already.</summary>
    Exists,
}
