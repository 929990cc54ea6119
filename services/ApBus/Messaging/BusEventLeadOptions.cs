namespace Apmatrix.ApBus.Messaging;

/// <summary><c>BusEvents</c> configuration: how far ahead of VfioAp ApBus publishes a host's events.</summary>
public sealed class BusEventLeadOptions
{
    public const string Section = "BusEvents";

    /// <summary>Events a host may have published beyond the last one VfioAp applied; 0 publishes every event at once.</summary>
    public int Lead { get; set; } = 500;

    /// <summary>How long a host's applied sequence may stand still before its events go out regardless (VfioAp stopped, a gap).</summary>
    public TimeSpan Stall { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a held-back host's applied sequence is asked for.</summary>
    public TimeSpan AskEvery { get; set; } = TimeSpan.FromMilliseconds(20);
}
