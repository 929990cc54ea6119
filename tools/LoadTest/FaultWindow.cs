namespace Apmatrix.LoadTest;

/// <summary>A fault injected into scan <paramref name="Scan"/>: from when it began to when the broken part was whole again (run clock, ms).</summary>
public sealed record FaultWindow(int Scan, double StartMs, double EndMs, string What);
