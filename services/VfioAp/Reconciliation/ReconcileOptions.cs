namespace Apmatrix.VfioAp.Reconciliation;

/// <summary>When hosts are reconciled with ApBus's snapshot (configuration section <c>Reconciliation</c>).</summary>
public sealed class ReconcileOptions
{
    public const string Section = "Reconciliation";

    /// <summary>How long a host may wait at a gap in its bus events (or behind ApBus) before it is reconciled.</summary>
    public TimeSpan GapTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often every host's digest is compared with ApBus's.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(5);
}
