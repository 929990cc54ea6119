using Apmatrix.ApModel;

namespace Apmatrix.Engine;

/// <summary>The administrator's side (spec 4.1 - 4.2): mdev life cycle, assignments, attach and detach.</summary>
public sealed partial class VfioApEngine
{
    public Mdev CreateMdev(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new MatrixException(MatrixErrorKind.Invalid, "an mdev needs a name");
        if (_mdevs.ContainsKey(name)) throw new MatrixException(MatrixErrorKind.Exists, $"mdev {name} already exists");
        if (_slots.Count >= ushort.MaxValue) throw new MatrixException(MatrixErrorKind.Busy, "no more mdevs can be created");
        var mdev = new Mdev(name, _slots.Count, Host.MaxAdapter, Host.MaxDomain);
        _slots.Add(mdev);
        _mdevs.Add(name, mdev);
        return mdev;
    }

    /// <summary>Removes an mdev that no guest holds; its queues go back to being unassigned.</summary>
    public void RemoveMdev(string name)
    {
        var mdev = Get(name);
        if (mdev.Guest is { } guest)
            throw new MatrixException(MatrixErrorKind.Busy, $"mdev {name} is attached to guest {guest}: detach it first");
        SetOwner(mdev.Assigned.Apm, mdev.Assigned.Aqm, 0);
        _slots[mdev.Slot] = null;
        _mdevs.Remove(name);
    }

    public void AssignAdapter(string mdev, string id) => AssignAdapter(Get(mdev).Name, ParseId(id));
    public void AssignDomain(string mdev, string id) => AssignDomain(Get(mdev).Name, ParseId(id));
    public void AssignControlDomain(string mdev, string id) => AssignControlDomain(Get(mdev).Name, ParseId(id));
    public void UnassignAdapter(string mdev, string id) => UnassignAdapter(Get(mdev).Name, ParseId(id));
    public void UnassignDomain(string mdev, string id) => UnassignDomain(Get(mdev).Name, ParseId(id));
    public void UnassignControlDomain(string mdev, string id) => UnassignControlDomain(Get(mdev).Name, ParseId(id));

    public void AssignAdapter(string mdev, long id)
    {
        var target = Get(mdev);
        AssignQueues(target, Bitmap256.Single(InRange(id, target.MaxAdapter, "adapter")), Bitmap256.Empty);
    }

    public void AssignDomain(string mdev, long id)
    {
        var target = Get(mdev);
        AssignQueues(target, Bitmap256.Empty, Bitmap256.Single(InRange(id, target.MaxDomain, "domain")));
    }

    public void UnassignAdapter(string mdev, long id)
    {
        var target = Get(mdev);
        UnassignQueues(target, Bitmap256.Single(Unassignable(id, target.Assigned.Apm, target.MaxAdapter, "adapter")), Bitmap256.Empty);
    }

    public void UnassignDomain(string mdev, long id)
    {
        var target = Get(mdev);
        UnassignQueues(target, Bitmap256.Empty, Bitmap256.Single(Unassignable(id, target.Assigned.Aqm, target.MaxDomain, "domain")));
    }

    /// <summary>Control domains are not queues: no binding, sharing or apmask checks (spec 4.2).</summary>
    public void AssignControlDomain(string mdev, long id)
    {
        var target = Get(mdev);
        var domain = InRange(id, target.MaxDomain, "control domain");
        if (target.Assigned.Adm[domain]) return;
        target.Assigned = target.Assigned with { Adm = target.Assigned.Adm.With(domain) };
        if (FilterControlDomains(target)) UpdateGuest(target);
    }

    public void UnassignControlDomain(string mdev, long id)
    {
        var target = Get(mdev);
        var domain = Unassignable(id, target.Assigned.Adm, target.MaxDomain, "control domain");
        target.Assigned = target.Assigned with { Adm = target.Assigned.Adm.Without(domain) };
        SetShadow(target, target.Shadow with { Adm = target.Shadow.Adm.Without(domain) });
    }

    /// <summary>
    /// The one-shot <c>ap_config</c> write (spec 4.3): all three masks replaced or none. Removed adapters,
    /// then removed domains, are unplugged with the old matrix in place; the new one is then filtered,
    /// so one write costs the guest up to three updates.
    /// </summary>
    public void SetMatrix(string mdev, ApMatrix matrix)
    {
        var target = Get(mdev);
        var old = target.Assigned;
        // Reserved and shared queues are refused before an id above the maximum, as the kernel validates them first.
        EnsureAssignable(target, matrix.Apm, matrix.Aqm);
        // Ids kept from before the host's maxima were known pass, as an unassignment of them does: only new ones are checked.
        EnsureWithin(new ApMatrix(matrix.Apm.AndNot(old.Apm), matrix.Aqm.AndNot(old.Aqm), matrix.Adm.AndNot(old.Adm)), target);
        var s = target.Shadow;
        SetShadow(target, s with { Apm = s.Apm.AndNot(old.Apm.AndNot(matrix.Apm)) });
        s = target.Shadow;
        SetShadow(target, s with { Aqm = s.Aqm.AndNot(old.Aqm.AndNot(matrix.Aqm)) });
        SetOwner(old.Apm, old.Aqm, 0);
        SetOwner(matrix.Apm, matrix.Aqm, (ushort)(target.Slot + 1));
        target.Assigned = matrix;
        Refilter(target);
    }

    /// <summary>Every id above the maxima, each mask's at once: a whole matrix written in one go is refused with all its faults.</summary>
    static void EnsureWithin(ApMatrix added, Mdev target)
    {
        var errors = new Dictionary<string, string[]>();
        Above(added.Apm, target.MaxAdapter, "adapter", "apm");
        Above(added.Aqm, target.MaxDomain, "domain", "aqm");
        Above(added.Adm, target.MaxDomain, "control domain", "adm");
        if (errors.Count > 0)
            throw new MatrixException(MatrixErrorKind.OutOfRange, string.Join("; ", errors.Values.Select(e => e[0]))) { Field = errors.Keys.First(), Errors = errors };

        void Above(Bitmap256 ids, int max, string what, string field)
        {
            var above = ids.Above(max);
            if (!above.IsEmpty) errors[field] = [$"{above.Naming($"{what} id")} above the host's maximum {max}"];
        }
    }

    /// <summary>The guest gets the mdev's shadow APCB as it stands; a guest holds at most one mdev.</summary>
    public void Attach(string mdev, string guest)
    {
        var target = Get(mdev);
        if (string.IsNullOrWhiteSpace(guest)) throw new MatrixException(MatrixErrorKind.Invalid, "attach needs a guest name");
        if (target.Guest == guest) return;
        if (target.Guest is { } other)
            throw new MatrixException(MatrixErrorKind.NotPermitted, $"mdev {mdev} is already attached to guest {other}");
        var state = _guests.GetValueOrDefault(guest);
        if (state?.Mdev is { } held)
            throw new MatrixException(MatrixErrorKind.NotPermitted, $"guest {guest} already holds mdev {held}");
        if (state is null) _guests.Add(guest, state = new Guest(guest));
        target.Guest = guest;
        state.Mdev = mdev;
        Push(state, target.Shadow);
    }

    /// <summary>The guest's masks are cleared; the mdev keeps its shadow APCB for the next attach.</summary>
    public void Detach(string mdev)
    {
        var target = Get(mdev);
        if (target.Guest is not { } guest) return;
        var state = _guests[guest];
        target.Guest = null;
        state.Mdev = null;
        Push(state, ApMatrix.Empty);
    }

    /// <summary>Adds adapters or domains to A after the reservation and sharing checks, then filters (spec 4.2).</summary>
    void AssignQueues(Mdev mdev, Bitmap256 adapters, Bitmap256 domains)
    {
        var a = mdev.Assigned;
        var apm = a.Apm | adapters;
        var aqm = a.Aqm | domains;
        if (apm == a.Apm && aqm == a.Aqm) return;
        EnsureAssignable(mdev, apm, aqm);
        SetOwner(adapters, aqm, (ushort)(mdev.Slot + 1));
        SetOwner(apm, domains, (ushort)(mdev.Slot + 1));
        mdev.Assigned = a with { Apm = apm, Aqm = aqm };
        if (FilterMatrix(mdev)) UpdateGuest(mdev);
    }

    /// <summary>Takes adapters or domains out of A and S without re-filtering (spec 3.9, quirk Q5 kept as upstream).</summary>
    void UnassignQueues(Mdev mdev, Bitmap256 adapters, Bitmap256 domains)
    {
        var (a, s) = (mdev.Assigned, mdev.Shadow);
        var apm = a.Apm.AndNot(adapters);
        var aqm = a.Aqm.AndNot(domains);
        if (apm == a.Apm && aqm == a.Aqm) return;
        SetOwner(a.Apm, a.Aqm, 0);
        SetOwner(apm, aqm, (ushort)(mdev.Slot + 1));
        mdev.Assigned = a with { Apm = apm, Aqm = aqm };
        SetShadow(mdev, s with { Apm = s.Apm.AndNot(adapters), Aqm = s.Aqm.AndNot(domains) });
    }

    void EnsureAssignable(Mdev mdev, Bitmap256 apm, Bitmap256 aqm)
    {
        if (Permissions.FirstReserved(apm, aqm) is { } reserved)
            throw new MatrixException(MatrixErrorKind.Reserved,
                $"queue {reserved} is reserved for the host's default drivers by apmask and aqmask; not assigned to mdev {mdev.Name}")
            {
                Apqn = reserved.ToString(), ReservedBy = "bus-masks",
            };
        // A change the bus may already have committed counts as made (spec 1.9: the kernel's mutex spans check and change).
        foreach (var change in _reservations)
            if (change.Masks.FirstReserved(apm, aqm) is { } held)
                throw new MatrixException(MatrixErrorKind.Reserved,
                    $"queue {held} is reserved for the host's default drivers by a mask change in progress; not assigned to mdev {mdev.Name}")
                {
                    Apqn = held.ToString(), ReservedBy = "mask-change",
                };
        foreach (var other in Mdevs)
        {
            if (other == mdev) continue;
            var adapter = (apm & other.Assigned.Apm).First();
            var domain = (aqm & other.Assigned.Aqm).First();
            if (adapter >= 0 && domain >= 0)
                throw new MatrixException(MatrixErrorKind.InUse,
                    $"queue {new Apqn(adapter, domain)} is already assigned to mdev {other.Name}; not assigned to mdev {mdev.Name}")
                {
                    Apqn = new Apqn(adapter, domain).ToString(), Mdev = other.Name,
                };
        }
    }

    Mdev Get(string name) =>
        _mdevs.GetValueOrDefault(name) ?? throw new MatrixException(MatrixErrorKind.NotFound, $"no mdev {name}");

    /// <summary>
    /// Reads an id as a sysfs store would: a number too large for the machine is out of range (ERANGE) before any other
    /// check, and the refusal quotes it as written, not as it would be cut down.
    /// </summary>
    static long ParseId(string text) => SysfsNumber.TryParse(text, out var value) switch
    {
        SysfsNumberStatus.Ok when value <= long.MaxValue => (long)value,
        SysfsNumberStatus.Ok or SysfsNumberStatus.Overflow =>
            throw new MatrixException(MatrixErrorKind.OutOfRange, $"{InputText.Quote(text.TrimEnd('\n'))} is out of range") { Field = "id" },
        _ => throw new MatrixException(MatrixErrorKind.Invalid, $"{InputText.Quote(text.TrimEnd('\n'))} is not a number") { Field = "id" },
    };

    /// <summary>
    /// An id to unassign: within the maxima, or assigned already. An mdev made before its host's bus was defined took the
    /// widest maxima, and what it was given above the host's stays removable (the kernel knows its maxima before any mdev).
    /// </summary>
    static int Unassignable(long id, Bitmap256 assigned, int max, string what) =>
        id is >= 0 and < Bitmap256.Capacity && assigned[(int)id] ? (int)id : InRange(id, max, what);

    static int InRange(long id, int max, string what)
    {
        if (id < 0) throw new MatrixException(MatrixErrorKind.Invalid, $"{what} id {id} is negative") { Field = "id" };
        if (id > max) throw new MatrixException(MatrixErrorKind.OutOfRange, $"{what} id {id} is above the host's maximum {max}") { Field = "id" };
        return (int)id;
    }
}
