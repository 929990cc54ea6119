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
    /// Each field of this configuration that names ids above the maxima, and why, in the order apm, aqm, adm; empty when
    /// none does. QCI never reports one, so a configuration that does is refused rather than cut to fit.
    /// </summary>
    public IReadOnlyList<(string Field, string Problem)> AboveMaxima()
    {
        var faults = new List<(string, string)>();
        Above(Apm, MaxAdapter, "apm", "adapter", "adapter");
        Above(Aqm, MaxDomain, "aqm", "domain", "domain");
        Above(Adm, MaxDomain, "adm", "control domain", "domain");
        return faults;

        void Above(Bitmap256 ids, int max, string field, string what, string maximum)
        {
            var above = ids.Above(max);
            if (!above.IsEmpty) faults.Add((field, $"{above.Naming(what)} above the host's maximum {maximum} {max}"));
        }
    }

    /// <summary>Every fault of <see cref="AboveMaxima"/> in one line (<c>apm: ...; adm: ...</c>), or null when there is none.</summary>
    public string? AboveMaximaText(string fieldPrefix = "") =>
        AboveMaxima() is { Count: > 0 } faults ? string.Join("; ", faults.Select(f => $"{fieldPrefix}{f.Field}: {f.Problem}")) : null;

    public bool HasApxa => MaxAdapter > 63 || MaxDomain > 15;
    public ApcbFormat GuestFormat => HasApxa ? ApcbFormat.Apcb1 : ApcbFormat.Apcb0;

    /// <summary>True when the masks QCI reports differ (the maxima are the machine's, fixed per host).</summary>
    public bool MasksDiffer(in ApConfig other) => Apm != other.Apm || Aqm != other.Aqm || Adm != other.Adm;
}
