namespace Apmatrix.LoadTest;

/// <summary>A target of the load-testing issue, what this run measured for it, and whether it was met.</summary>
public sealed record TargetResult(string Target, string Measured, bool Met);
