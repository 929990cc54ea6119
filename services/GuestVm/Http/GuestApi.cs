using Apmatrix.Hosting;
using Apmatrix.ApModel;
using Apmatrix.GuestVm.Guests;
using Apmatrix.GuestVm.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Apmatrix.GuestVm.Http;

/// <summary>Guests and the APCBs they hold (docs/ARCHITECTURE.md, HTTP APIs).</summary>
public static class GuestApi
{
    const int DefaultHistory = 100;

    public static IEndpointRouteBuilder MapGuestApi(this IEndpointRouteBuilder app)
    {
        var guests = app.MapGroup("/hosts/{host}/guests");
        guests.MapPut("/{guest}", Define);
        guests.MapGet("", List);
        guests.MapGet("/{guest}", Get);
        return app;
    }

    static async Task<IResult> Define(string host, string guest, GuestDefinition body, GuestStore store, IOptions<GuestOptions> options,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var vcpus = body.Vcpus ?? options.Value.DefaultVcpus;
        if (vcpus is < 1 or > GuestOptions.MaxVcpus) errors["vcpus"] = [$"must be 1..{GuestOptions.MaxVcpus}"];
        var format = ParseFormat(body.Format);
        if (format is null) errors["format"] = ["must be Apcb0 or Apcb1"];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var defined = await store.DefineAsync(host, guest, vcpus, format!.Value, cancellationToken);
        return TypedResults.Ok(View(defined, []));
    }

    /// <summary>Without <c>?history=</c> the list leaves each guest's history out.</summary>
    static async Task<IResult> List(string host, string? history, GuestVmDbContext db, CancellationToken cancellationToken)
    {
        if (!TryParseHistory(history, 0, out var limit)) return HistoryProblem();
        var guests = await db.Guests.AsNoTracking().Where(g => g.HostId == host).OrderBy(g => g.GuestId).ToListAsync(cancellationToken);
        var entries = limit == 0
            ? []
            : await db.ApcbHistory.AsNoTracking().Where(h => h.HostId == host).OrderByDescending(h => h.Version).ToListAsync(cancellationToken);
        var byGuest = entries.ToLookup(h => h.GuestId);
        return TypedResults.Ok(guests.Select(g => View(g, byGuest[g.GuestId].Take(limit))).ToList());
    }

    static async Task<IResult> Get(string host, string guest, string? history, GuestVmDbContext db, CancellationToken cancellationToken)
    {
        if (!TryParseHistory(history, DefaultHistory, out var limit)) return HistoryProblem();
        var found = await db.Guests.AsNoTracking().SingleOrDefaultAsync(g => g.HostId == host && g.GuestId == guest, cancellationToken)
            ?? throw new GuestNotFoundException($"no guest {guest} on host {host}");
        var entries = await db.ApcbHistory.AsNoTracking()
            .Where(h => h.HostId == host && h.GuestId == guest)
            .OrderByDescending(h => h.Version)
            .Take(limit)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(View(found, entries));
    }

    static ApcbFormat? ParseFormat(string? text) => text?.ToLowerInvariant() switch
    {
        null or "apcb1" => ApcbFormat.Apcb1,
        "apcb0" => ApcbFormat.Apcb0,
        _ => null,
    };

    /// <summary><c>history</c>: a number of newest entries, or <c>all</c>.</summary>
    static bool TryParseHistory(string? text, int fallback, out int limit)
    {
        limit = fallback;
        if (text is null) return true;
        if (text.Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            limit = int.MaxValue;
            return true;
        }
        return int.TryParse(text, out limit) && limit >= 0;
    }

    static IResult HistoryProblem() =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["history"] = ["must be a number of entries or \"all\""] });

    static GuestView View(GuestRecord guest, IEnumerable<ApcbHistoryEntry> history) =>
        new(guest.HostId, guest.GuestId, guest.Vcpus, guest.Format, guest.Apm.ToRangeList(), guest.Aqm.ToRangeList(), guest.Adm.ToRangeList(),
            Convert.ToHexStringLower(guest.Crycb), guest.Mdev, guest.Version, guest.UpdateCount, guest.SuspendedMilliseconds, guest.AppliedAt,
            history.Select(h => new HistoryView(h.Version, h.Apm.ToRangeList(), h.Aqm.ToRangeList(), h.Adm.ToRangeList(), h.Mdev,
                h.SuspendedMilliseconds, h.AppliedAt)).ToList());
}
