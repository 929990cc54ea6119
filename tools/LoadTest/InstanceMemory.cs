namespace Apmatrix.LoadTest;

/// <summary>Peak resident memory (VmHWM) of one instance, in MiB, over the set-up and over the timed phase.</summary>
public sealed record InstanceMemory(string Service, string Name, double SetUpPeakMiB, double ScanPeakMiB);
