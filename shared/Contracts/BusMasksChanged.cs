namespace Apmatrix.Contracts;

/// <summary>apmask/aqmask changed; the queue moves it causes follow as removals and probes.</summary>
public sealed record BusMasksChanged(string HostId, long Sequence, string Apmask, string Aqmask) : IBusEvent;
