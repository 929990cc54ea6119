namespace Apmatrix.VfioAp.Http;

/// <summary>How far VfioAp has applied a host's bus events: the sequence of the last one.</summary>
public sealed record AppliedView(string Host, long LastSequence);
