namespace Apmatrix.Scenarios;

public sealed record MdevOutcome(IReadOnlyList<string> Matrix, IReadOnlyList<string> GuestMatrix);
