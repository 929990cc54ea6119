using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.Engine;
using Apmatrix.Hosting;
using Apmatrix.VfioAp.Persistence;
using Apmatrix.VfioAp.Reconciliation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.VfioAp.Http;

/// <summary>
/// The administrator's API: what vfio_ap's sysfs offers, per host. Changes run under the host row lock
/// (<see cref="HostStore.RunAsync{T}"/>), so they serialise with the host's bus events; reads do not lock.
/// </summary>
public static class VfioApEndpoints
{
    static readonly (string Route, string Name, string Summary, Action<VfioApEngine, string, long> ById, Action<VfioApEngine, string, string> ByText)[]
        Assignments =
    [
        ("assign-adapter", "AssignAdapter", "Assigns an adapter to the mdev's matrix",
            (e, mdev, id) => e.AssignAdapter(mdev, id), (e, mdev, id) => e.AssignAdapter(mdev, id)),
        ("assign-domain", "AssignDomain", "Assigns a usage domain to the mdev's matrix",
            (e, mdev, id) => e.AssignDomain(mdev, id), (e, mdev, id) => e.AssignDomain(mdev, id)),
        ("assign-control-domain", "AssignControlDomain", "Assigns a control domain to the mdev",
            (e, mdev, id) => e.AssignControlDomain(mdev, id), (e, mdev, id) => e.AssignControlDomain(mdev, id)),
        ("unassign-adapter", "UnassignAdapter", "Takes an adapter out of the mdev's matrix",
            (e, mdev, id) => e.UnassignAdapter(mdev, id), (e, mdev, id) => e.UnassignAdapter(mdev, id)),
        ("unassign-domain", "UnassignDomain", "Takes a usage domain out of the mdev's matrix",
            (e, mdev, id) => e.UnassignDomain(mdev, id), (e, mdev, id) => e.UnassignDomain(mdev, id)),
        ("unassign-control-domain", "UnassignControlDomain", "Takes a control domain from the mdev",
            (e, mdev, id) => e.UnassignControlDomain(mdev, id), (e, mdev, id) => e.UnassignControlDomain(mdev, id)),
    ];

    public static IEndpointRouteBuilder MapVfioApEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/hosts").RequireApiRoles().ProducesSharedProblems().MapGet("", ListHostsAsync)
            .Describe("ListHosts", "Lists the hosts in name order, a page at a time (after, limit): mode, last applied sequence, mdevs, parked events and unacknowledged guest updates");
        app.MapGroup("/applied").RequireApiRoles().ProducesSharedProblems().MapGet("", GetAppliedOfHostsAsync).AllowService("apbus")
            .Describe("GetAppliedOfHosts",
                $"The last bus event applied of each host named (host, repeated, 1 to {AppliedAsks.MaxHosts}; 0 for a host not seen yet): ApBus " +
                "publishes a host's events only so far ahead of it, and asks for all the hosts it holds back at once");
        var host = app.MapGroup("/hosts/{host}").RequireApiRoles().RequireNames().ProducesSharedProblems();
        host.MapPut("", DefineHostAsync)
            .Describe("DefineHost", "Defines the host and its hot-plug mode (batched or per-queue), fixed once it has bus events or mdevs; left out, an existing host keeps its mode and a new one is batched",
                StatusCodes.Status409Conflict);
        host.MapGet("", GetHostAsync)
            .Describe("GetHost", "Reads the host: its last bus sequence, pending events, masks, mdevs and mask reservations",
                StatusCodes.Status404NotFound);
        host.MapPost("/mask-check", CheckMasksAsync).AllowService("apbus")
            .Describe("CheckMasks", "ApBus asks before it changes the host's apmask or aqmask: 204 reserves the change, 409 vetoes it",
                StatusCodes.Status409Conflict);
        host.MapDelete("/mask-check/{reservation}", ReleaseMasksAsync).AllowService("apbus")
            .Describe("ReleaseMasks", "ApBus releases a mask change it reserved and did not make; releasing one already gone is done too (204), an unknown host is 404",
                StatusCodes.Status404NotFound);
        host.MapGet("/applied", GetAppliedAsync)
            .Describe("GetApplied", "The host's last bus event applied", StatusCodes.Status404NotFound);
        host.MapGet("/guests", GetGuestsAsync)
            .Describe("GetHostGuests", "Lists the host's guests with the latest and the acknowledged version of each one's matrix",
                StatusCodes.Status404NotFound);
        host.MapGet("/apqns", GetApqnStatesAsync)
            .Describe("GetApqnStates", "Every APQN's state on the host, a byte each (base64): not configured, default driver, no device, free, assigned to an mdev, in its guest's APCB",
                StatusCodes.Status404NotFound);
        host.MapPost("/reconcile", ReconcileAsync)
            .Describe("ReconcileHost", "Catches the host up with ApBus's snapshot of its bus now", StatusCodes.Status404NotFound);

        var mdev = host.MapGroup("/mdevs");
        mdev.MapPost("", CreateMdevAsync)
            .Describe("CreateMdev", "Creates an mdev on the host, with the matrix it starts with if given, in one change",
                StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        mdev.MapGet("", ListMdevsAsync)
            .Describe("ListMdevs", "Lists the host's mdevs with their matrices, shadow APCBs and guests", StatusCodes.Status404NotFound);
        mdev.MapGet("/{name}", async (string host, string name, VfioApDbContext db, CancellationToken ct) =>
            TypedResults.Ok(MdevView.From(await FindMdevAsync(db, host, name, ct))))
            .Describe("GetMdev", "Reads the mdev: its matrix, control domains, guest matrix and guest", StatusCodes.Status404NotFound);
        mdev.MapDelete("/{name}", RemoveMdevAsync)
            .Describe("RemoveMdev", "Removes the mdev from the host", StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        mdev.MapGet("/{name}/matrix", (string host, string name, VfioApDbContext db, CancellationToken ct) =>
            SysfsAsync(db, host, name, m => SysfsText.MatrixLines(m.AssignedApm, m.AssignedAqm), ct))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .Describe("GetMdevMatrix", "The mdev's assigned APQNs, one a line, as sysfs matrix shows them", StatusCodes.Status404NotFound);
        mdev.MapGet("/{name}/guest_matrix", (string host, string name, VfioApDbContext db, CancellationToken ct) =>
            SysfsAsync(db, host, name, m => SysfsText.MatrixLines(m.ShadowApm, m.ShadowAqm), ct))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .Describe("GetGuestMatrix", "The APQNs the guest is given, one a line, as sysfs guest_matrix shows them", StatusCodes.Status404NotFound);
        mdev.MapGet("/{name}/control_domains", (string host, string name, VfioApDbContext db, CancellationToken ct) =>
            SysfsAsync(db, host, name, m => SysfsText.ControlDomainLines(m.AssignedAdm), ct))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .Describe("GetControlDomains", "The mdev's control domains, one a line, as sysfs control_domains shows them",
                StatusCodes.Status404NotFound);
        foreach (var (route, operation, summary, byId, byText) in Assignments)
            mdev.MapPost($"/{{name}}/{route}", (string host, string name, IdRequest request, HostStore store, CancellationToken ct) =>
                AssignAsync(host, name, request, store, byId, byText, ct))
                .Describe(operation, summary, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        mdev.MapGet("/{name}/ap_config", (string host, string name, VfioApDbContext db, CancellationToken ct) =>
            SysfsAsync(db, host, name, m => [$"{m.AssignedApm.ToMsb0Hex()},{m.AssignedAqm.ToMsb0Hex()},{m.AssignedAdm.ToMsb0Hex()}"], ct))
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .Describe("GetApConfig", "The mdev's adapter, domain and control-domain masks in one line, as sysfs ap_config shows them",
                StatusCodes.Status404NotFound);
        mdev.MapPut("/{name}/ap_config", SetMatrixAsync)
            .Describe("SetApConfig", "Writes the mdev's adapters, domains and control domains at once, all or nothing, as sysfs ap_config takes them",
                StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        mdev.MapPost("/{name}/attach", AttachAsync)
            .Describe("AttachMdev", "Attaches the mdev to a guest, which is then sent the mdev's matrix as its APCB",
                StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        mdev.MapPost("/{name}/detach", (string host, string name, HostStore store, CancellationToken ct) =>
            ChangeMdevAsync(store, host, name, engine => engine.Detach(name), ct))
            .Describe("DetachMdev", "Detaches the mdev from its guest", StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        return app;
    }

    static async Task<Results<Ok<HostView>, ValidationProblem>> DefineHostAsync(string host, HostRequest? request, HostStore store,
        VfioApDbContext db, CancellationToken ct)
    {
        var errors = new RequestErrors();
        HotPlugMode? mode = null;
        if (request?.Mode is { } text)
        {
            if (HotPlugModes.TryParse(text, out var parsed)) mode = parsed;
            else errors.Add("mode", $"{InputText.Quote(text)} is not a mode: batched or per-queue");
        }
        if (errors.Any) return errors.Problem();
        await store.DefineAsync(host, mode, ct);
        return TypedResults.Ok(await ViewHostAsync(db, host, ct));
    }

    /// <summary>Catches the host up with ApBus's snapshot now, rather than at its gap timeout or the next digest check.</summary>
    static async Task<Ok<ReconcileView>> ReconcileAsync(string host, HostReconciler reconciler, CancellationToken ct) =>
        TypedResults.Ok(ReconcileView.From(await reconciler.ReconcileAsync(host, ct)));

    static async Task<Results<Ok<List<HostSummaryView>>, ValidationProblem>> ListHostsAsync(string? after, string? limit, VfioApDbContext db,
        CancellationToken ct)
    {
        var errors = new RequestErrors();
        var page = errors.Page(after, limit);
        if (errors.Any) return errors.Problem();
        var hosts = await db.Hosts.AsNoTracking()
            .Where(h => page.After == null || h.HostId.CompareTo(page.After) > 0)
            .OrderBy(h => h.HostId)
            .Take(page.Limit)
            .Select(h => new
            {
                h.HostId, h.Mode, h.LastSequence,
                Mdevs = db.Mdevs.Count(m => m.HostId == h.HostId),
                Pending = db.PendingBusEvents.Count(e => e.HostId == h.HostId),
                Unacknowledged = db.GuestUpdates.Count(u => u.HostId == h.HostId && u.AckedAt == null),
            })
            .ToListAsync(ct);
        return TypedResults.Ok(hosts.Select(h => new HostSummaryView(h.HostId, HotPlugModes.Name(h.Mode), h.LastSequence, h.Mdevs, h.Pending,
            h.Unacknowledged)).ToList());
    }

    static async Task<Ok<HostView>> GetHostAsync(string host, VfioApDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await ViewHostAsync(db, host, ct));

    static async Task<Ok<AppliedView>> GetAppliedAsync(string host, VfioApDbContext db, CancellationToken ct) =>
        TypedResults.Ok(new AppliedView(host, await db.Hosts.Where(h => h.HostId == host).Select(h => (long?)h.LastSequence).SingleOrDefaultAsync(ct)
            ?? throw HostStore.NoSuchHost(host)));

    static async Task<Results<Ok<List<AppliedView>>, ValidationProblem>> GetAppliedOfHostsAsync(string[]? host, VfioApDbContext db,
        CancellationToken ct)
    {
        var errors = new RequestErrors();
        var hosts = (host ?? []).Distinct(StringComparer.Ordinal).ToArray();
        if (hosts.Length is 0 or > AppliedAsks.MaxHosts) errors.Add("host", $"name 1 to {AppliedAsks.MaxHosts} hosts, each as a host= parameter of its own");
        foreach (var name in hosts) errors.Name("host", name, "host");
        if (errors.Any) return errors.Problem();
        var applied = await db.Hosts.Where(h => hosts.Contains(h.HostId)).Select(h => new { h.HostId, h.LastSequence })
            .ToDictionaryAsync(h => h.HostId, h => h.LastSequence, StringComparer.Ordinal, ct);
        return TypedResults.Ok(hosts.Select(h => new AppliedView(h, applied.GetValueOrDefault(h))).ToList());
    }

    static async Task<HostView> ViewHostAsync(VfioApDbContext db, string host, CancellationToken ct)
    {
        var row = await db.Hosts.AsNoTracking().SingleOrDefaultAsync(h => h.HostId == host, ct) ?? throw HostStore.NoSuchHost(host);
        var pending = await db.PendingBusEvents.CountAsync(e => e.HostId == host, ct);
        var unacknowledged = await db.GuestUpdates.CountAsync(u => u.HostId == host && u.AckedAt == null, ct);
        var mdevs = await db.Mdevs.Where(m => m.HostId == host).OrderBy(m => m.Position).Select(m => m.Name).ToListAsync(ct);
        var reservations = await db.MaskReservations.AsNoTracking().Where(r => r.HostId == host)
            .OrderBy(r => r.ReservedAt).ThenBy(r => r.Id).ToListAsync(ct);
        return HostView.From(row, pending, unacknowledged, mdevs, reservations);
    }

    /// <summary>Reads the host and its mdevs without a lock: a picture of the matrix as of one moment, drawn as often as a page polls.</summary>
    static async Task<Ok<ApqnStatesView>> GetApqnStatesAsync(string host, VfioApDbContext db, CancellationToken ct)
    {
        var row = await db.Hosts.AsNoTracking().SingleOrDefaultAsync(h => h.HostId == host, ct) ?? throw HostStore.NoSuchHost(host);
        var mdevs = await db.Mdevs.AsNoTracking().Where(m => m.HostId == host).OrderBy(m => m.Position).ToListAsync(ct);
        return TypedResults.Ok(ApqnStatesView.From(row, mdevs));
    }

    /// <summary>With a matrix the mdev is created and given it in one change: refused, neither happens.</summary>
    static async Task<Results<Created<MdevView>, ValidationProblem>> CreateMdevAsync(string host, MdevRequest request, HostStore store,
        CancellationToken ct)
    {
        var errors = new RequestErrors();
        var mdev = errors.Name("name", request.Name, "mdev");
        ApMatrix? matrix = request is { Apm: null, Aqm: null, Adm: null }
            ? null
            : new ApMatrix(errors.Ids("apm", request.Apm ?? ""), errors.Ids("aqm", request.Aqm ?? ""), errors.Ids("adm", request.Adm ?? ""));
        if (errors.Any) return errors.Problem();
        var view = await store.RunAsync(host, engine =>
        {
            engine.CreateMdev(mdev);
            if (matrix is { } assigned) engine.SetMatrix(mdev, assigned);
            return MdevView.From(host, engine.FindMdev(mdev)!);
        }, ct);
        return TypedResults.Created($"/hosts/{Uri.EscapeDataString(host)}/mdevs/{Uri.EscapeDataString(view.Name)}", view);
    }

    static async Task<Ok<List<MdevView>>> ListMdevsAsync(string host, VfioApDbContext db, CancellationToken ct)
    {
        var mdevs = await db.Mdevs.AsNoTracking().Where(m => m.HostId == host).OrderBy(m => m.Position).ToListAsync(ct);
        if (mdevs.Count == 0 && !await db.Hosts.AnyAsync(h => h.HostId == host, ct)) throw HostStore.NoSuchHost(host);
        return TypedResults.Ok(mdevs.Select(MdevView.From).ToList());
    }

    static async Task<NoContent> RemoveMdevAsync(string host, string name, HostStore store, CancellationToken ct)
    {
        await store.RunAsync(host, engine => engine.RemoveMdev(name), ct);
        return TypedResults.NoContent();
    }

    static async Task<Results<Ok<MdevView>, ValidationProblem>> AssignAsync(string host, string name, IdRequest request, HostStore store,
        Action<VfioApEngine, string, long> byId, Action<VfioApEngine, string, string> byText, CancellationToken ct)
    {
        var id = request.Id;
        Action<VfioApEngine>? operation = id.ValueKind switch
        {
            JsonValueKind.Number when id.TryGetInt64(out var number) => engine => byId(engine, name, number),
            // Fractions and numbers beyond 64 bits go through the sysfs reading too: invalid or out of range as there.
            JsonValueKind.Number => engine => byText(engine, name, id.GetRawText()),
            JsonValueKind.String when Text(id) is { } text => engine => byText(engine, name, text),
            _ => null,
        };
        if (operation is not null) return await ChangeMdevAsync(store, host, name, operation, ct);
        var errors = new RequestErrors();
        errors.Add("id", "id is a number, or a string read as sysfs reads it (\"5\", \"0x5\", \"05\")");
        return errors.Problem();
    }

    /// <summary>A JSON string's text; null for one whose escapes are no valid UTF-16 (a lone surrogate), which GetString throws on.</summary>
    static string? Text(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The one-shot write of all three masks (sysfs <c>ap_config</c>): a whole matrix in one request, all or nothing.</summary>
    static async Task<Results<Ok<MdevView>, ValidationProblem>> SetMatrixAsync(string host, string name, MatrixRequest request, HostStore store,
        CancellationToken ct)
    {
        var errors = new RequestErrors();
        var matrix = new ApMatrix(errors.Ids("apm", request.Apm), errors.Ids("aqm", request.Aqm), errors.Ids("adm", request.Adm));
        if (errors.Any) return errors.Problem();
        return await ChangeMdevAsync(store, host, name, engine =>
        {
            // Checked under the host lock the write holds: no change can come between the check and the write.
            if (request.IfMatrixTag is { } expected && engine.FindMdev(name) is { } mdev && MatrixTag.Of(mdev.Assigned) != expected)
                throw new MatrixChangedException($"mdev {name}'s matrix changed since it was read (tag {InputText.Quote(expected)}): read it again");
            engine.SetMatrix(name, matrix);
        }, ct);
    }

    static async Task<Results<Ok<MdevView>, ValidationProblem>> AttachAsync(string host, string name, AttachRequest request, HostStore store,
        CancellationToken ct)
    {
        var errors = new RequestErrors();
        var guest = errors.Name("guest", request.Guest, "guest");
        if (errors.Any) return errors.Problem();
        return await ChangeMdevAsync(store, host, name, engine => engine.Attach(name, guest), ct);
    }

    static async Task<Ok<MdevView>> ChangeMdevAsync(HostStore store, string host, string name, Action<VfioApEngine> operation, CancellationToken ct)
    {
        var view = await store.RunAsync(host, engine =>
        {
            operation(engine);
            return MdevView.From(host, engine.FindMdev(name)!);
        }, ct);
        return TypedResults.Ok(view);
    }

    /// <summary>The veto; when it allows, the change is reserved until applied, released, or found never made (docs/ARCHITECTURE.md).</summary>
    static async Task<Results<NoContent, ValidationProblem>> CheckMasksAsync(string host, MaskCheckRequest request, HostStore store,
        CancellationToken ct)
    {
        var errors = new RequestErrors();
        var masks = new ApPermissions(errors.Ids("apmask", request.Apmask), errors.Ids("aqmask", request.Aqmask));
        var lastSequence = errors.Sequence("lastSequence", request.LastSequence);
        var reservation = errors.Id("reservation", request.Reservation);
        if (errors.Any) return errors.Problem();
        await store.ReserveMasksAsync(host, masks, lastSequence, reservation, ct);
        return TypedResults.NoContent();
    }

    /// <summary>ApBus did not make the change it reserved; releasing one already ended, or never held, changes nothing.</summary>
    static async Task<Results<NoContent, ValidationProblem>> ReleaseMasksAsync(string host, string reservation, HostStore store, CancellationToken ct)
    {
        // Read here, not by a route constraint, which would answer a malformed id with "nothing answers here" (404).
        var errors = new RequestErrors();
        var id = errors.Reservation("reservation", reservation);
        if (errors.Any) return errors.Problem();
        await store.RunAsync(host, engine => engine.ReleaseMasks(id), ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<List<GuestApcbView>>> GetGuestsAsync(string host, VfioApDbContext db, CancellationToken ct)
    {
        if (!await db.Hosts.AnyAsync(h => h.HostId == host, ct)) throw HostStore.NoSuchHost(host);
        var guests = await db.Guests.AsNoTracking()
            .Where(g => g.HostId == host)
            .OrderBy(g => g.Name)
            .Select(g => new
            {
                Row = g,
                Mdev = db.Mdevs.Where(m => m.HostId == host && m.Guest == g.Name).Select(m => m.Name).FirstOrDefault(),
                Acknowledged = db.GuestUpdates.Where(u => u.HostId == host && u.Guest == g.Name && u.AckedAt != null).Max(u => (long?)u.Version) ?? 0,
            })
            .ToListAsync(ct);
        return TypedResults.Ok(guests.Select(g => new GuestApcbView(g.Row.Name, g.Mdev, g.Row.Version, g.Acknowledged, MatrixView.From(g.Row.Apcb))).ToList());
    }

    static async Task<ContentHttpResult> SysfsAsync(VfioApDbContext db, string host, string name, Func<MdevRow, List<string>> lines,
        CancellationToken ct) =>
        TypedResults.Text(SysfsText.AsFile(lines(await FindMdevAsync(db, host, name, ct))), "text/plain; charset=utf-8");

    static async Task<MdevRow> FindMdevAsync(VfioApDbContext db, string host, string name, CancellationToken ct)
    {
        var mdev = await db.Mdevs.AsNoTracking().SingleOrDefaultAsync(m => m.HostId == host && m.Name == name, ct);
        if (mdev is not null) return mdev;
        if (!await db.Hosts.AnyAsync(h => h.HostId == host, ct)) throw HostStore.NoSuchHost(host);
        throw new MatrixException(MatrixErrorKind.NotFound, $"no mdev {name}");
    }
}
