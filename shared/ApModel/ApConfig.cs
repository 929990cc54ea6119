namespace Apmatrix.ApModel;

/// <summary>
/// The host's AP configuration as QCI reports it: adapters, usage domains and control domains
/// configured to this host, and the highest ids it allows (255 with APXA, else 63 and 15).
/// </summary>
public readonly record struct ApConfig(Bitmap256 Apm, Bitmap256 Aqm, Bitmap256 Adm, int MaxAdapter = 255, int MaxDomain = 255)
{
    /// <summary>Configured adapters within the maximum: the ones the bus builds card devices for.</summary>
    public Bitmap256 Adapters => Apm & Bitmap256.UpTo(MaxAdapter);
    public Bitmap256 Domains => Aqm & Bitmap256.UpTo(MaxDomain);
    public Bitmap256 ControlDomains => Adm & Bitmap256.UpTo(MaxDomain);

    /// <summary>The domains with a queue device on adapter <paramref name="adapter"/> after a scan.</summary>
    public Bitmap256 QueuesOf(int adapter) => Adapters[adapter] ? Domains : Bitmap256.Empty;

    /// <summary>Whether the machine has <paramref name="apqn"/> at all: no queue device exists above the maximum ids.</summary>
    public bool Allows(Apqn apqn) => apqn.Adapter <= MaxAdapter && apqn.Domain <= MaxDomain;

    /// <summary>Why <paramref name="apqn"/> cannot exist on this host, for a refusal.</summary>
    public string OutOfRangeMessage(Apqn apqn) => $"APQN {apqn} is above the host's maximum ids (adapter {MaxAdapter}, domain {MaxDomain})";

    /// <summary>
    /// The first field of this configuration that names an id above the maxima, and why; null when none does. QCI never
    /// reports one, so a configuration that does is refused rather than cut to fit.
    /// </summary>
    public (string Field, string Problem)? AboveMaxima() =>
        Above(Apm, MaxAdapter) is { } adapter ? ("apm", $"adapter {adapter} is above the host's maximum adapter {MaxAdapter}")
        : Above(Aqm, MaxDomain) is { } domain ? ("aqm", $"domain {domain} is above the host's maximum domain {MaxDomain}")
        : Above(Adm, MaxDomain) is { } control ? ("adm", $"control domain {control} is above the host's maximum domain {MaxDomain}")
        : null;

    static int? Above(Bitmap256 ids, int max) => ids.AndNot(Bitmap256.UpTo(max)).First() is >= 0 and var first ? first : null;

    public bool HasApxa => MaxAdapter > 63 || MaxDomain > 15;
    public ApcbFormat GuestFormat => HasApxa ? ApcbFormat.Apcb1 : ApcbFormat.Apcb0;

    /// <summary>True when the masks QCI reports differ (the maxima are the machine's, fixed per host).</summary>
    public bool MasksDiffer(in ApConfig other) => Apm != other.Apm || Aqm != other.Aqm || Adm != other.Adm;
}
