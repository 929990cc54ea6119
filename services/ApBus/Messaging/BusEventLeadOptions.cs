namespace Apmatrix.ApBus.Messaging;

/// <summary><c>BusEvents</c> configuration: how far ahead of VfioAp ApBus publishes a host's events.</summary>
public sealed class BusEventLeadOptions
{
    public const string Section = "BusEvents";

    /// <summary>Events a host may have published beyond the last one VfioAp applied; 0 publishes every event at once.</summary>
    public int Lead { get; set; } = 500;

    /// <summary>
    /// A host held back goes again once this many of its events may go (at most <see cref="Lead"/>; 0: half the lead): a
    /// trickle of a few events each time VfioAp applies a few keeps both sides in batches of a few, each costing a round of its own.
    /// </summary>
    public int Refill { get; set; }

    /// <summary>What <see cref="Refill"/> comes to.</summary>
    public int RefillOrDefault => Refill > 0 ? Refill : Math.Max(1, Lead / 2);

    /// <summary>
    /// The lead of a host while another host, not held back, has let all its events go within the last second (at most
    /// <see cref="Lead"/>; 0: <see cref="Lead"/> always): a host's long backlog then runs slower and leaves the machine to
    /// the small changes of the others; hosts that all have backlogs keep the whole lead.
    /// </summary>
    public int SharedLead { get; set; } = 64;

    /// <summary>The lead of a host with company or without.</summary>
    public int LeadOf(bool shared) => shared && SharedLead > 0 ? Math.Min(Lead, SharedLead) : Lead;

    /// <summary>What <see cref="Refill"/> comes to for <paramref name="lead"/>: the same share of it.</summary>
    public int RefillOf(int lead) => lead == Lead ? RefillOrDefault : Math.Max(1, (int)((long)RefillOrDefault * lead / Lead));

    /// <summary>How long a host's applied sequence may stand still before its events go out regardless (VfioAp stopped, a gap).</summary>
    public TimeSpan Stall { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a held-back host's applied sequence is asked for.</summary>
    public TimeSpan AskEvery { get; set; } = TimeSpan.FromMilliseconds(20);
}
