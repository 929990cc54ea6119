namespace Apmatrix.ApBus.Persistence;

/// <summary>A refused host operation; its transaction rolls back, so nothing changed.</summary>
public sealed class ApBusException(ApBusErrorKind kind, string message) : Exception(message)
{
    public ApBusErrorKind Kind { get; } = kind;
}
