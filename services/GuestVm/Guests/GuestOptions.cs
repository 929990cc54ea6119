namespace Apmatrix.GuestVm.Guests;

/// <summary><c>Guests</c> configuration: what a guest first named by an ApplyApcbs gets, and what a vCPU suspend costs.</summary>
public sealed class GuestOptions
{
    public const string Section = "Guests";
    public const int MaxVcpus = 248;

    public int DefaultVcpus { get; set; } = 4;
    public double SuspendMicrosecondsPerVcpu { get; set; } = 50;

    public TimeSpan SuspendCostPerVcpu => TimeSpan.FromMicroseconds(SuspendMicrosecondsPerVcpu);

    /// <summary>
    /// How long a guest waits at a gap in its versions before it takes the newest version waiting (ApcbVersions): several
    /// of VfioAp's re-sends (<c>Updates:ResendAfter</c>, 10 s), so only a version that will not come is given up.
    /// </summary>
    public TimeSpan GapTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
