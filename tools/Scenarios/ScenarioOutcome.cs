namespace Apmatrix.Scenarios;

/// <summary>What a target ended with: each guest's APCB and update count, each mdev's matrix and guest matrix.</summary>
public sealed record ScenarioOutcome(
    IReadOnlyDictionary<string, GuestOutcome> Guests,
    IReadOnlyDictionary<string, MdevOutcome> Mdevs);
