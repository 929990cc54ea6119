using Apmatrix.Hosting;
using Apmatrix.GuestVm.Guests;
using Apmatrix.GuestVm.Persistence;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Apmatrix.GuestVm.Http;

/// <summary>Guests and the APCBs they hold (docs/ARCHITECTURE.md, HTTP APIs).</summary>
public static class GuestApi
{
    /// <summary>The APCB history a guest's read shows unless asked for more; pruning keeps at least this much (GuestVmPruner).</summary>
    public const int DefaultHistory = 100;

    public static IEndpointRouteBuilder MapGuestApi(this IEndpointRouteBuilder app)
    {
        var guests = app.MapGroup("/hosts/{host}/guests").RequireApiRoles().RequireNames().ProducesSharedProblems();
        guests.MapPut("/{guest}", Define)
            .Describe("DefineGuest", "Defines the guest: its vCPUs and its APCB's CRYCB format, fixed once it holds an APCB; a field left out keeps its value (a new guest: Guests:DefaultVcpus, Apcb1)",
                StatusCodes.Status409Conflict);
        guests.MapGet("", List)
            .Describe("ListGuests", "Lists the host's guests and the matrix each one's APCB holds; ?history= adds that many past APCBs each");
        guests.MapGet("/{guest}", Get)
            .Describe("GetGuest", "Reads the guest: its APCB's matrix, version, update count, total suspended time and history",
                StatusCodes.Status404NotFound);
        return app;
    }

    static async Task<Results<Ok<GuestView>, ValidationProblem>> Define(string host, string guest, GuestDefinition body, GuestStore store,
        CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var vcpus = errors.Vcpus("vcpus", body.Vcpus);
        var format = errors.Format("format", body.Format);
        if (errors.Any) return errors.Problem();
        var defined = await store.DefineAsync(host, guest, vcpus, format, cancellationToken);
        return TypedResults.Ok(View(defined, []));
    }

    /// <summary>Without <c>?history=</c> the list leaves each guest's history out.</summary>
    static async Task<Results<Ok<List<GuestView>>, ValidationProblem>> List(string host, string? history, GuestVmDbContext db,
        CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var limit = errors.History("history", history, 0);
        if (errors.Any) return errors.Problem();
        var guests = await db.Guests.AsNoTracking().Where(g => g.HostId == host).OrderBy(g => g.GuestId).ToListAsync(cancellationToken);
        // The newest few of each guest, read backwards along the key's index, not the host's whole history (the dashboard asks every second).
        var entries = limit == 0
            ? []
            : await db.ApcbHistory.FromSql($"""
                SELECT a.* FROM guests g CROSS JOIN LATERAL (
                    SELECT * FROM apcb_history h WHERE h.host_id = g.host_id AND h.guest_id = g.guest_id ORDER BY h.version DESC LIMIT {limit}) a
                WHERE g.host_id = {host}
                """).AsNoTracking().ToListAsync(cancellationToken);
        var byGuest = entries.ToLookup(h => h.GuestId);
        return TypedResults.Ok(guests.Select(g => View(g, byGuest[g.GuestId].OrderByDescending(h => h.Version))).ToList());
    }

    static async Task<Results<Ok<GuestView>, ValidationProblem>> Get(string host, string guest, string? history, GuestVmDbContext db,
        CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var limit = errors.History("history", history, DefaultHistory);
        if (errors.Any) return errors.Problem();
        var found = await db.Guests.AsNoTracking().SingleOrDefaultAsync(g => g.HostId == host && g.GuestId == guest, cancellationToken)
            ?? throw new GuestNotFoundException($"no guest {guest} on host {host}");
        var entries = await db.ApcbHistory.AsNoTracking()
            .Where(h => h.HostId == host && h.GuestId == guest)
            .OrderByDescending(h => h.Version)
            .Take(limit)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(View(found, entries));
    }

    static GuestView View(GuestRecord guest, IEnumerable<ApcbHistoryEntry> history) =>
        new(guest.HostId, guest.GuestId, guest.Vcpus, guest.Format, guest.Apm.ToRangeList(), guest.Aqm.ToRangeList(), guest.Adm.ToRangeList(),
            Convert.ToHexStringLower(guest.Crycb), guest.Mdev, guest.Version, guest.UpdateCount, guest.SuspendedMilliseconds, guest.AppliedAt,
            history.Select(h => new HistoryView(h.Version, h.Apm.ToRangeList(), h.Aqm.ToRangeList(), h.Adm.ToRangeList(), h.Mdev,
                h.SuspendedMilliseconds, h.AppliedAt)).ToList());
}
