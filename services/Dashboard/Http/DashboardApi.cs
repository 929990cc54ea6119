using Apmatrix.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Apmatrix.Dashboard.Http;

/// <summary>What the page polls: a page of the fleet, one host's APQN states and its guests. Viewers and operators.</summary>
public static class DashboardApi
{
    /// <summary>The last updates shown per guest.</summary>
    const int History = 3;

    /// <summary>Hosts VfioAp's page missed, asked for at once.</summary>
    const int UnseenAtOnce = 8;

    public static IEndpointRouteBuilder MapDashboardApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/hosts").RequireApiRoles().ProducesSharedProblems().MapGet("", FleetAsync)
            .Describe("ListFleet", "A page of the fleet's hosts (after, limit) in ApBus's order: bus events published against applied, parked events, unacknowledged guest updates");
        var host = app.MapGroup("/hosts/{host}").RequireApiRoles().RequireNames().ProducesSharedProblems();
        host.MapGet("/apqns", ApqnsAsync)
            .Describe("GetMatrixPicture", "Every APQN's state on the host, a byte each (base64), with the mdevs owning them and how far VfioAp is behind ApBus",
                StatusCodes.Status404NotFound);
        host.MapGet("/guests", GuestsAsync)
            .Describe("GetHostGuestUpdates", "The host's guests: versions sent, acknowledged and applied, update counts, vCPU-suspended time and last updates",
                StatusCodes.Status404NotFound);
        return app;
    }

    static async Task<Results<Ok<FleetPageView>, ValidationProblem>> FleetAsync(string? after, string? limit, ApBusReader apBus, VfioApReader vfioAp,
        CancellationToken ct)
    {
        var errors = new RequestErrors();
        var page = errors.Page(after, limit);
        if (errors.Any) return errors.Problem();
        var busTask = apBus.HostsAsync(page.After, page.Limit, ct);
        var appliedTask = vfioAp.HostsAsync(page.After, page.Limit, ct);
        // Both awaited together: a failure of one leaves the other's observed, not faulting unseen.
        await Task.WhenAll(busTask, appliedTask);
        var (buses, applied) = (await busTask, await appliedTask);
        var byName = applied.ToDictionary(h => h.Host);
        // The same range of VfioAp, when full, may end before the bus page does (hosts VfioAp has and ApBus not): those are asked one by one.
        var unseen = applied.Count < page.Limit ? [] : buses.Where(b => !byName.ContainsKey(b.Host)).ToList();
        var looked = new List<VfioHostDetailRead?>();
        // A few at a time: a page of thousands must not become thousands of requests at once on the service that applies updates.
        foreach (var chunk in unseen.Chunk(UnseenAtOnce)) looked.AddRange(await Task.WhenAll(chunk.Select(b => vfioAp.HostAsync(b.Host, ct))));
        var details = looked.OfType<VfioHostDetailRead>().ToDictionary(h => h.Host);
        var hosts = buses.Select(bus =>
        {
            if (byName.TryGetValue(bus.Host, out var v))
                return new FleetHostView(bus.Host, bus.EventForm, bus.QueueDevices, bus.LastSequence, v.Mode, v.LastSequence,
                    bus.LastSequence - v.LastSequence, v.PendingEvents, v.UnacknowledgedUpdates, v.Mdevs);
            if (details.TryGetValue(bus.Host, out var d))
                return new FleetHostView(bus.Host, bus.EventForm, bus.QueueDevices, bus.LastSequence, d.Mode, d.LastSequence,
                    bus.LastSequence - d.LastSequence, d.PendingEvents, d.UnacknowledgedUpdates, d.Mdevs.Count);
            return new FleetHostView(bus.Host, bus.EventForm, bus.QueueDevices, bus.LastSequence, null, null, bus.LastSequence, null, null, null);
        }).ToList();
        return TypedResults.Ok(new FleetPageView(hosts, buses.Count < page.Limit ? null : buses[^1].Host));
    }

    static async Task<Ok<MatrixPictureView>> ApqnsAsync(string host, ApBusReader apBus, VfioApReader vfioAp, CancellationToken ct)
    {
        var busTask = apBus.HostAsync(host, ct);
        var statesTask = vfioAp.ApqnsAsync(host, ct);
        await Task.WhenAll(statesTask, busTask);
        var (bus, states) = (await busTask, await statesTask);
        return TypedResults.Ok(new MatrixPictureView(states.Host, bus?.LastSequence, states.LastSequence, states.States, states.Cells, states.Mdevs));
    }

    static async Task<Ok<List<HostGuestView>>> GuestsAsync(string host, VfioApReader vfioAp, GuestVmReader guestVm, CancellationToken ct)
    {
        var appliedTask = guestVm.GuestsAsync(host, History, ct);
        var sentTask = vfioAp.GuestsAsync(host, ct);
        await Task.WhenAll(sentTask, appliedTask);
        var sent = (await sentTask).ToDictionary(g => g.Guest);
        var applied = (await appliedTask).ToDictionary(g => g.Guest);
        var guests = sent.Keys.Union(applied.Keys).Order(StringComparer.Ordinal).Select(name =>
        {
            var (s, a) = (sent.GetValueOrDefault(name), applied.GetValueOrDefault(name));
            return new HostGuestView(name, s?.Mdev ?? a?.Mdev, s?.Version, s?.AcknowledgedVersion, a?.Vcpus, a?.Version, a?.Updates,
                a?.SuspendedMilliseconds, a?.AppliedAt, a?.Apm, a?.Aqm, a?.Adm, a?.History ?? []);
        }).ToList();
        return TypedResults.Ok(guests);
    }
}
