using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.Engine.Tests.Model;

/// <summary>
/// A slow, literal reading of shared/spec/vfio-ap-semantics.md (intended behaviour where section 7 lists a
/// quirk), written apart from the engine so the two can be compared on the same scenarios.
/// </summary>
public sealed class SpecModel
{
    public const int Ids = 256;

    /// <summary>One mediated device (spec 1.6).</summary>
    public sealed class Mdev(string name)
    {
        public string Name { get; } = name;

        // A: the administrator's assignment, only changed by assign/unassign (spec 1.6, I10).
        public Bitmap256 Apm { get; set; }
        public Bitmap256 Aqm { get; set; }
        public Bitmap256 Adm { get; set; }

        // S: what the guest has or will get at attach (spec 1.6).
        public Bitmap256 ShadowApm { get; set; }
        public Bitmap256 ShadowAqm { get; set; }
        public Bitmap256 ShadowAdm { get; set; }

        // Pending additions of one config change, live between config changed and scan complete (spec 1.6, I11).
        public Bitmap256 ApmAdd { get; set; }
        public Bitmap256 AqmAdd { get; set; }
        public Bitmap256 AdmAdd { get; set; }

        public string? Guest { get; set; }

        public ApMatrix Shadow => new(ShadowApm, ShadowAqm, ShadowAdm);

        /// <summary>Whether the APQN lies in A.apm x A.aqm (spec 3.5 step 2).</summary>
        public bool Holds(int adapter, int domain) => Apm[adapter] && Aqm[domain];
    }

    /// <summary>A guest: the APCB it holds and how often its masks really changed (scenario README, spec 3.3).</summary>
    public sealed class Guest(string name)
    {
        public string Name { get; } = name;
        public ApMatrix Apcb { get; set; }
        public long Updates { get; set; }
        public string? Mdev { get; set; }
    }

    readonly bool _batched;
    readonly List<Mdev> _mdevs = [];
    readonly Dictionary<string, Guest> _guests = new(StringComparer.Ordinal);

    // The bus's queue devices and which of them vfio_ap drives (spec 1.4, 1.7): kept apart because a mask change
    // moves devices one at a time (spec 1.4 "re-probe"), so "bound" is not simply "not reserved".
    readonly bool[,] _device = new bool[Ids, Ids];
    readonly bool[,] _bound = new bool[Ids, Ids];

    ApConfig _busCurrent;   // the bus's current QCI (spec 1.3)
    ApConfig _busPrevious;  // the bus's previous QCI, handed to the callbacks (spec 1.3, 2.2)
    ApConfig _h;            // vfio_ap's own snapshot H, the only config filtering looks at (spec 1.3, 3.4 step 3)
    ApPermissions _masks;   // apmask/aqmask (spec 1.4)

    /// <summary>A host whose every configured queue exists and has been probed (scenario README "host").</summary>
    public SpecModel(ApConfig host, ApPermissions masks, bool batched)
    {
        _batched = batched;
        _busCurrent = _busPrevious = _h = host;
        _masks = masks;
        for (var a = 0; a <= host.MaxAdapter; a++)
            for (var d = 0; d <= host.MaxDomain; d++)
                if (host.Apm[a] && host.Aqm[d])
                {
                    _device[a, d] = true;
                    _bound[a, d] = !masks.IsReserved(new Apqn(a, d));
                }
    }

    public IReadOnlyList<Mdev> Mdevs => _mdevs;
    public IReadOnlyCollection<Guest> Guests => _guests.Values;

    int MaxAdapter => _busCurrent.MaxAdapter;
    int MaxDomain => _busCurrent.MaxDomain;

    /// <summary>Creates an mdev with an assignment, validated like assign (spec 4.1, 4.2 step 3), with S filtered.</summary>
    public void CreateMdev(string name, Bitmap256 adapters, Bitmap256 domains, Bitmap256 controlDomains)
    {
        if (_mdevs.Any(m => m.Name == name)) throw new MatrixException(MatrixErrorKind.Exists, $"mdev {name} exists");
        if (!adapters.IsSubsetOf(Bitmap256.UpTo(MaxAdapter)) || !domains.IsSubsetOf(Bitmap256.UpTo(MaxDomain)) ||
            !controlDomains.IsSubsetOf(Bitmap256.UpTo(MaxDomain)))
            throw new MatrixException(MatrixErrorKind.OutOfRange, $"mdev {name}: an id above the host's maximum");
        var mdev = new Mdev(name);
        Validate(mdev, adapters, domains);
        mdev.Apm = adapters;
        mdev.Aqm = domains;
        mdev.Adm = controlDomains;
        _mdevs.Add(mdev);
        FilterMatrix(mdev);
        FilterCdoms(mdev);
    }

    /// <summary>Forgets every update counted so far: set-up updates are not counted (scenario README "mdevs").</summary>
    public void ResetCounts()
    {
        foreach (var guest in _guests.Values) guest.Updates = 0;
    }

    Guest GuestNamed(string name)
    {
        if (!_guests.TryGetValue(name, out var guest)) _guests[name] = guest = new Guest(name);
        return guest;
    }

    /// <summary>SetMasks/ClearMasks; counted only when the guest's masks really change (spec 3.3, scenario README).</summary>
    static void SetGuestMasks(Guest guest, ApMatrix masks, ApcbFormat format)
    {
        masks = masks.Truncate(format); // APCB0 holds 64 adapters and 16 domains only (spec 1.8)
        if (masks == guest.Apcb) return;
        guest.Apcb = masks;
        guest.Updates++;
    }

    // A host without APXA has maxima 63/15 and gives format-1 (APCB0) guests (spec 1.1, 1.8).
    ApcbFormat GuestFormat => MaxAdapter > 63 || MaxDomain > 15 ? ApcbFormat.Apcb1 : ApcbFormat.Apcb0;

    /// <summary>UpdateGuest(M): only an attached mdev reaches a guest (spec 3.3).</summary>
    void UpdateGuest(Mdev mdev)
    {
        if (mdev.Guest is { } name) SetGuestMasks(_guests[name], mdev.Shadow, GuestFormat);
    }

    /// <summary>Attach: one mdev per guest (EPERM), the guest gets S as it is, no filtering (spec 4.1, I6).</summary>
    public void Attach(string mdevName, string guestName)
    {
        var mdev = MdevNamed(mdevName);
        var guest = GuestNamed(guestName);
        if (mdev.Guest == guestName) return; // already open on this guest: nothing to do (decision, see report)
        if (mdev.Guest is not null)
            throw new MatrixException(MatrixErrorKind.NotPermitted, $"mdev {mdevName} is attached to guest {mdev.Guest}");
        if (guest.Mdev is not null)
            throw new MatrixException(MatrixErrorKind.NotPermitted, $"guest {guestName} already holds mdev {guest.Mdev}");
        mdev.Guest = guestName;
        guest.Mdev = mdevName;
        UpdateGuest(mdev);
    }

    /// <summary>Detach: the guest's masks are cleared, S is kept (spec 4.1, 8 case 25).</summary>
    public void Detach(string mdevName)
    {
        var mdev = MdevNamed(mdevName);
        if (mdev.Guest is not { } name) return; // not open: nothing to close (decision, see report)
        var guest = _guests[name];
        SetGuestMasks(guest, ApMatrix.Empty, GuestFormat);
        guest.Mdev = null;
        mdev.Guest = null;
    }

    Mdev MdevNamed(string name) =>
        _mdevs.FirstOrDefault(m => m.Name == name) ?? throw new MatrixException(MatrixErrorKind.NotFound, $"no mdev {name}");

    /// <summary>Passable: bound to vfio_ap and linked to this mdev; reset codes are not modelled, so always normal (spec 1.7, I12).</summary>
    bool Passable(Mdev mdev, int adapter, int domain) => _bound[adapter, domain] && mdev.Holds(adapter, domain);

    /// <summary>FilterMatrix: S = A ∩ H, then drop every adapter with a non-passable queue in S.aqm (spec 3.1).</summary>
    bool FilterMatrix(Mdev mdev)
    {
        var prevApm = mdev.ShadowApm;
        var prevAqm = mdev.ShadowAqm;
        var apm = mdev.Apm & _h.Apm;
        var aqm = mdev.Aqm & _h.Aqm;
        foreach (var a in mdev.Apm & _h.Apm)
            foreach (var d in aqm)
                if (!Passable(mdev, a, d))
                {
                    // Only whole adapters can be left out; domains are never filtered (spec 3.1 rules).
                    apm = apm.Without(a);
                    break;
                }
        mdev.ShadowApm = apm;
        mdev.ShadowAqm = aqm;
        // Resetting the filtered adapters' queues (spec 3.1) has no observable effect here.
        return apm != prevApm || aqm != prevAqm;
    }

    /// <summary>FilterCdoms: S.adm = A.adm ∩ H.adm, no binding checks (spec 3.2).</summary>
    bool FilterCdoms(Mdev mdev)
    {
        var prev = mdev.ShadowAdm;
        mdev.ShadowAdm = mdev.Adm & _h.Adm;
        return mdev.ShadowAdm != prev;
    }

    public enum Dimension { Adapter, Domain, ControlDomain }

    /// <summary>
    /// Reads an id as a sysfs store does (kstrtoul base 0): optional '+', "0x" + hex digit means hex, a leading 0 octal,
    /// else decimal, one trailing newline; no digits or other trailing text is EINVAL, overflow ERANGE (spec 4.2).
    /// </summary>
    static ulong ParseId(string text)
    {
        var i = 0;
        if (i < text.Length && text[i] == '+') i++;
        var radix = 10u;
        if (i < text.Length && text[i] == '0')
        {
            if (i + 2 < text.Length && (text[i + 1] | 0x20) == 'x' && DigitValue(text[i + 2]) < 16)
            {
                radix = 16;
                i += 2;
            }
            else radix = 8;
        }
        var start = i;
        ulong value = 0;
        var overflow = false;
        for (; i < text.Length && DigitValue(text[i]) < radix; i++)
        {
            var digit = DigitValue(text[i]);
            if (value > (ulong.MaxValue - digit) / radix) overflow = true;
            else if (!overflow) value = value * radix + digit;
        }
        // The kernel judges overflow on the digits read, before looking at what follows them.
        if (overflow) throw new MatrixException(MatrixErrorKind.OutOfRange, $"'{text}' overflows (ERANGE)");
        if (i == start) throw new MatrixException(MatrixErrorKind.Invalid, $"'{text}' is not a number");
        if (i < text.Length && text[i] == '\n') i++;
        if (i != text.Length) throw new MatrixException(MatrixErrorKind.Invalid, $"'{text}' is not a number");
        return value;
    }

    static uint DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => (uint)(c - '0'),
        >= 'a' and <= 'f' => (uint)(c - 'a' + 10),
        >= 'A' and <= 'F' => (uint)(c - 'A' + 10),
        _ => uint.MaxValue,
    };

    /// <summary>Mdev lookup first (no attribute to write to), then parse (EINVAL/ERANGE), then range (ENODEV) (spec 4.2).</summary>
    (Mdev Mdev, int Id) Resolve(string mdevName, string idText, Dimension dimension)
    {
        var mdev = MdevNamed(mdevName);
        var value = ParseId(idText);
        var max = dimension == Dimension.Adapter ? MaxAdapter : MaxDomain; // control domains share the domain max (spec 1.1)
        if (value > (ulong)max)
            throw new MatrixException(MatrixErrorKind.OutOfRange, $"{dimension} {value} is above the maximum {max} (ENODEV)");
        return (mdev, (int)value);
    }

    /// <summary>vfio_ap_mdev_validate_masks: reserved (EADDRNOTAVAIL) is checked before sharing (EADDRINUSE) (spec 4.2 step 3).</summary>
    void Validate(Mdev mdev, Bitmap256 apm, Bitmap256 aqm)
    {
        foreach (var a in apm)
            foreach (var d in aqm)
                if (_masks.IsReserved(new Apqn(a, d)))
                    throw new MatrixException(MatrixErrorKind.Reserved, $"{new Apqn(a, d)} is reserved for the host's default drivers")
                    {
                        Apqn = new Apqn(a, d).ToString(),
                    };
        foreach (var other in _mdevs)
        {
            if (ReferenceEquals(other, mdev)) continue;
            foreach (var a in apm & other.Apm)
                foreach (var d in aqm & other.Aqm)
                    throw new MatrixException(MatrixErrorKind.InUse, $"{new Apqn(a, d)} is already assigned to {other.Name}")
                    {
                        Apqn = new Apqn(a, d).ToString(),
                        Mdev = other.Name,
                    };
        }
    }

    /// <summary>assign_adapter / assign_domain: validate the whole new cross product, link, filter, update (spec 4.2).</summary>
    public void Assign(string mdevName, string idText, Dimension dimension)
    {
        var (mdev, id) = Resolve(mdevName, idText, dimension);
        if (dimension == Dimension.ControlDomain)
        {
            // Control domains: no sharing or apmask checks; only FilterCdoms (spec 4.2 assign_control_domain).
            if (mdev.Adm[id]) return;
            mdev.Adm = mdev.Adm.With(id);
            if (FilterCdoms(mdev)) UpdateGuest(mdev);
            return;
        }
        var apm = dimension == Dimension.Adapter ? mdev.Apm.With(id) : mdev.Apm;
        var aqm = dimension == Dimension.Domain ? mdev.Aqm.With(id) : mdev.Aqm;
        if (apm == mdev.Apm && aqm == mdev.Aqm) return; // already assigned: success, no effect (spec 4.2 step 2)
        Validate(mdev, apm, aqm);
        mdev.Apm = apm;
        mdev.Aqm = aqm;
        // Linking is implied by Passable (I12); the whole matrix is re-filtered, not just the new row (spec 3.1, 4.2 step 5).
        if (FilterMatrix(mdev)) UpdateGuest(mdev);
    }

    /// <summary>unassign_*: clear in A, take out of S, one update if S changed; no re-filter (spec 3.9, quirk Q5).</summary>
    public void Unassign(string mdevName, string idText, Dimension dimension)
    {
        var (mdev, id) = Resolve(mdevName, idText, dimension);
        switch (dimension)
        {
            case Dimension.Adapter:
                if (!mdev.Apm[id]) return;
                mdev.Apm = mdev.Apm.Without(id);
                if (!mdev.ShadowApm[id]) return;
                mdev.ShadowApm = mdev.ShadowApm.Without(id);
                break;
            case Dimension.Domain:
                if (!mdev.Aqm[id]) return;
                mdev.Aqm = mdev.Aqm.Without(id);
                if (!mdev.ShadowAqm[id]) return;
                mdev.ShadowAqm = mdev.ShadowAqm.Without(id);
                break;
            default:
                if (!mdev.Adm[id]) return;
                mdev.Adm = mdev.Adm.Without(id);
                if (!mdev.ShadowAdm[id]) return;
                mdev.ShadowAdm = mdev.ShadowAdm.Without(id);
                break;
        }
        UpdateGuest(mdev);
    }

    /// <summary>on_config_changed: batched mode unplugs removals and records additions; per-queue only records H (spec 3.4, README mode).</summary>
    void OnConfigChanged(ApConfig current, ApConfig previous)
    {
        if (_batched)
        {
            var apRem = previous.Apm.AndNot(current.Apm);
            var aqRem = previous.Aqm.AndNot(current.Aqm);
            var cdRem = previous.Adm.AndNot(current.Adm);
            if (!(apRem.IsEmpty && aqRem.IsEmpty && cdRem.IsEmpty))
                foreach (var mdev in _mdevs)
                {
                    var before = mdev.Shadow;
                    // Intersect with A, also for control domains, and compare before/after (intended, quirks Q1, Q2).
                    mdev.ShadowApm = mdev.ShadowApm.AndNot(apRem & mdev.Apm);
                    mdev.ShadowAqm = mdev.ShadowAqm.AndNot(aqRem & mdev.Aqm);
                    mdev.ShadowAdm = mdev.ShadowAdm.AndNot(cdRem & mdev.Adm);
                    // Unattached mdevs still get S updated; only attached ones touch a guest (quirk Q3).
                    if (mdev.Shadow != before) UpdateGuest(mdev);
                }
            var apAdd = current.Apm.AndNot(previous.Apm);
            var aqAdd = current.Aqm.AndNot(previous.Aqm);
            var cdAdd = current.Adm.AndNot(previous.Adm);
            // No additions: the pending sets are left as they are, not cleared (spec 3.4 step 2 "if any is non-empty").
            if (!(apAdd.IsEmpty && aqAdd.IsEmpty && cdAdd.IsEmpty))
                foreach (var mdev in _mdevs)
                {
                    // Assignment, not accumulation (spec 3.4 step 2); every modelled adapter type is CEX4 or newer.
                    mdev.ApmAdd = mdev.Apm & apAdd;
                    mdev.AqmAdd = mdev.Aqm & aqAdd;
                    mdev.AdmAdd = mdev.Adm & cdAdd;
                }
        }
        _h = current; // after removal handling, before any probe of the scan (spec 3.4 step 3)
    }

    /// <summary>on_scan_complete: one filter and at most one update per mdev with pending adds (spec 3.7); nothing per-queue.</summary>
    void OnScanComplete()
    {
        if (!_batched) return;
        foreach (var mdev in _mdevs)
        {
            if (mdev.ApmAdd.IsEmpty && mdev.AqmAdd.IsEmpty && mdev.AdmAdd.IsEmpty) continue;
            var doAdapters = mdev.Apm.Intersects(mdev.ApmAdd);
            var doDomains = mdev.Aqm.Intersects(mdev.AqmAdd);
            var doCdoms = mdev.Adm.Intersects(mdev.AdmAdd);
            var changed = false;
            if (doAdapters || doDomains) changed = FilterMatrix(mdev);
            if (doCdoms) changed |= FilterCdoms(mdev); // no filtered-adapter set needed when only cdoms were added (quirk Q4)
            if (changed) UpdateGuest(mdev);
            mdev.ApmAdd = mdev.AqmAdd = mdev.AdmAdd = Bitmap256.Empty;
        }
    }

    /// <summary>probe: link to the mdev holding the APQN; defer while that mdev has pending apm/aqm adds, else filter (spec 3.5).</summary>
    void ProbeQueue(int adapter, int domain)
    {
        _bound[adapter, domain] = true;
        var mdev = _mdevs.FirstOrDefault(m => m.Holds(adapter, domain));
        if (mdev is null) return;
        // The test is "this mdev has pending adds", not this queue's ids, and adm_add is not considered (spec 3.5, Q6).
        if (!mdev.ApmAdd.IsEmpty || !mdev.AqmAdd.IsEmpty) return;
        if (FilterMatrix(mdev)) UpdateGuest(mdev);
    }

    /// <summary>remove: a queue passed through unplugs its whole adapter with one update; otherwise nothing visible (spec 3.6).</summary>
    void RemoveQueue(int adapter, int domain)
    {
        var mdev = _mdevs.FirstOrDefault(m => m.Holds(adapter, domain));
        if (mdev is not null && mdev.ShadowApm[adapter] && mdev.ShadowAqm[domain])
        {
            mdev.ShadowApm = mdev.ShadowApm.Without(adapter);
            UpdateGuest(mdev);
        }
        _bound[adapter, domain] = false; // unlinked and freed (spec 3.6 step 5)
    }

    /// <summary>A queue device appears and is probed by the driver its reservation selects (spec 1.4, 2.3).</summary>
    void BusProbe(int adapter, int domain)
    {
        _device[adapter, domain] = true;
        if (!_masks.IsReserved(new Apqn(adapter, domain))) ProbeQueue(adapter, domain);
    }

    /// <summary>A queue device goes; vfio_ap hears it only if it drove the queue (spec 2.4).</summary>
    void BusRemove(int adapter, int domain)
    {
        _device[adapter, domain] = false;
        if (_bound[adapter, domain]) RemoveQueue(adapter, domain);
    }

    void CheckExists(Apqn apqn)
    {
        // No queue device can exist above the host's maximum ids (spec 1.1, 2.3).
        if (apqn.Adapter > MaxAdapter || apqn.Domain > MaxDomain)
            throw new MatrixException(MatrixErrorKind.OutOfRange, $"{apqn} is above the host's maximum ids") { Apqn = apqn.ToString() };
    }

    /// <summary>Explicit probe step: a second probe of an existing device changes nothing (tests/cases).</summary>
    public void Probe(Apqn apqn)
    {
        CheckExists(apqn);
        if (_device[apqn.Adapter, apqn.Domain]) return;
        BusProbe(apqn.Adapter, apqn.Domain);
    }

    /// <summary>Explicit remove step: removing a device the bus lacks is not-found (tests/cases).</summary>
    public void Remove(Apqn apqn)
    {
        CheckExists(apqn);
        if (!_device[apqn.Adapter, apqn.Domain])
            throw new MatrixException(MatrixErrorKind.NotFound, $"no queue device {apqn}") { Apqn = apqn.ToString() };
        BusRemove(apqn.Adapter, apqn.Domain);
    }

    /// <summary>Explicit config-changed step: the bus takes the new QCI and tells vfio_ap (spec 2.2 step 2).</summary>
    public void ConfigChanged(ApMatrix config)
    {
        RefuseAboveMaxima(config);
        _busPrevious = _busCurrent;
        _busCurrent = _busCurrent with { Apm = config.Apm, Aqm = config.Aqm, Adm = config.Adm };
        OnConfigChanged(_busCurrent, _busPrevious);
    }

    // QCI never reports an id above its own Na/Nd (spec 1.1), so such a configuration is bad input, not one to cut down.
    void RefuseAboveMaxima(ApMatrix config)
    {
        if (!config.Apm.IsSubsetOf(Bitmap256.UpTo(MaxAdapter)) || !config.Aqm.IsSubsetOf(Bitmap256.UpTo(MaxDomain)) ||
            !config.Adm.IsSubsetOf(Bitmap256.UpTo(MaxDomain)))
            throw new MatrixException(MatrixErrorKind.OutOfRange, "the configuration names an id above the host's maximum");
    }

    /// <summary>Explicit scan-complete step (spec 2.2 step 5).</summary>
    public void ScanComplete() => OnScanComplete();

    /// <summary>
    /// config step, read as the scenario format words it: config changed, then per adapter ascending, per domain ascending,
    /// remove vanished and create new devices, then scan complete, every time. (The project's bus notifies only when the
    /// QCI differs or a window is open, spec 2.2; with neither, both notifications change nothing, so the two agree.)
    /// </summary>
    public void Config(ApMatrix config)
    {
        ConfigChanged(config);
        for (var a = 0; a <= MaxAdapter; a++)
            for (var d = 0; d <= MaxDomain; d++)
            {
                var wanted = _busCurrent.Apm[a] && _busCurrent.Aqm[d];
                if (_device[a, d] && !wanted) BusRemove(a, d);
                else if (!_device[a, d] && wanted) BusProbe(a, d);
            }
        OnScanComplete();
    }

    /// <summary>
    /// set-masks: vetoed with EBUSY if an assigned APQN would become reserved; else removals of newly reserved devices,
    /// then probes of newly freed ones, each in ascending APQN order, outside any scan (spec 1.4, scenario README).
    /// </summary>
    public void SetMasks(ApPermissions next)
    {
        var old = _masks;
        foreach (var mdev in _mdevs)
            foreach (var a in mdev.Apm)
                foreach (var d in mdev.Aqm)
                    if (next.IsReserved(new Apqn(a, d)) && !old.IsReserved(new Apqn(a, d)))
                        throw new MatrixException(MatrixErrorKind.Busy, $"{new Apqn(a, d)} is in use by mdev {mdev.Name}")
                        {
                            Apqn = new Apqn(a, d).ToString(),
                            Mdev = mdev.Name,
                        };
        _masks = next;
        for (var a = 0; a <= MaxAdapter; a++)
            for (var d = 0; d <= MaxDomain; d++)
                if (_device[a, d] && next.IsReserved(new Apqn(a, d)) && !old.IsReserved(new Apqn(a, d)) && _bound[a, d])
                    RemoveQueue(a, d);
        for (var a = 0; a <= MaxAdapter; a++)
            for (var d = 0; d <= MaxDomain; d++)
                if (_device[a, d] && !next.IsReserved(new Apqn(a, d)) && old.IsReserved(new Apqn(a, d)))
                    ProbeQueue(a, d);
    }
}
