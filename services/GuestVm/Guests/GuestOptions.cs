namespace Apmatrix.GuestVm.Guests;

/// <summary><c>Guests</c> configuration: what a guest first named by an ApplyApcbs gets, and what a vCPU suspend costs.</summary>
public sealed class GuestOptions
{
    public const string Section = "Guests";
    public const int MaxVcpus = 248;

    public int DefaultVcpus { get; set; } = 4;
    public double SuspendMicrosecondsPerVcpu { get; set; } = 50;

    public TimeSpan SuspendCostPerVcpu => TimeSpan.FromMicroseconds(SuspendMicrosecondsPerVcpu);
}
