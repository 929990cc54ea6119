namespace Apmatrix.Scenarios;

/// <summary>An mdev's <c>matrix</c> and <c>guest_matrix</c> lines, as sysfs shows them.</summary>
public sealed record MdevOutcomeJson(IReadOnlyList<string> Matrix, IReadOnlyList<string> GuestMatrix);
