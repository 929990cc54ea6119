namespace Apmatrix.VfioAp.Reconciliation;

/// <summary>How long a mask reservation ApBus left behind holds off assignments (configuration section <c>Masks</c>).</summary>
public sealed class MaskOptions
{
    public const string Section = "Masks";

    /// <summary>A reservation this old is ended once ApBus's snapshot shows the bus never made its change.</summary>
    public TimeSpan PendingLease { get; set; } = TimeSpan.FromSeconds(60);
}
