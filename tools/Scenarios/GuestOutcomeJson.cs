namespace Apmatrix.Scenarios;

/// <summary>A guest's APCB as range lists and its update count, as in a scenario file's <c>expect</c>.</summary>
public sealed record GuestOutcomeJson(string Apm, string Aqm, string Adm, long Updates);
