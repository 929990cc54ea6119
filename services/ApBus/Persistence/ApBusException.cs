namespace Apmatrix.ApBus.Persistence;

/// <summary>
/// A refused host operation; its transaction rolls back, so nothing changed. <paramref name="holder"/>: what holds what the
/// change needed (VfioAp's <c>apqn</c>, <c>mdev</c>, <c>reservedBy</c> of a vetoed mask change), shown with the refusal.
/// </summary>
public sealed class ApBusException(ApBusErrorKind kind, string message, IReadOnlyDictionary<string, object?>? holder = null) : Exception(message)
{
    public ApBusErrorKind Kind { get; } = kind;
    public IReadOnlyDictionary<string, object?> Holder { get; } = holder ?? new Dictionary<string, object?>();
}
