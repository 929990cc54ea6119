namespace Apmatrix.Scenarios;

/// <summary>A target broke a rule of the format itself (not an expectation of the file).</summary>
public sealed class ScenarioViolationException(string message) : Exception(message);
