namespace Apmatrix.ApBus.Persistence;

public enum ApBusErrorKind
{
    /// <summary>No such host or queue device.</summary>
    NotFound,
    /// <summary>An APQN above the host's maximum ids.</summary>
    OutOfRange,
    /// <summary>The host is defined already.</summary>
    Exists,
    /// <summary>VfioAp vetoed a mask change.</summary>
    Busy,
    /// <summary>VfioAp could not be asked about a mask change.</summary>
    Unavailable,
}
