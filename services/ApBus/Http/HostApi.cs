using Apmatrix.Hosting;
using Apmatrix.ApBus.Persistence;
using Apmatrix.ApModel;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Apmatrix.ApBus.Http;

/// <summary>The operator's view of the simulated AP buses (docs/ARCHITECTURE.md, HTTP APIs).</summary>
public static class HostApi
{
    public static IEndpointRouteBuilder MapHostApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/hosts").RequireApiRoles().ProducesSharedProblems().MapGet("", List)
            .Describe("ListBuses", "Lists the hosts' AP buses in name order, a page at a time (after, limit)");
        var host = app.MapGroup("/hosts/{host}").RequireApiRoles().RequireNames().ProducesSharedProblems();
        host.MapPut("", Define)
            .Describe("DefineBus", "Defines the host's AP bus (configuration within its maximum ids, masks, event form): announces its masks once VfioAp's veto allows them, then runs its first scan; the same definition again changes nothing (200), another is 409",
                StatusCodes.Status409Conflict);
        host.MapGet("", Get)
            .Describe("GetBus", "Reads the host's AP bus: configuration, masks, queue devices and last sequence", StatusCodes.Status404NotFound);
        host.MapGet("/snapshot", Snapshot).AllowService("vfioap")
            .Describe("GetBusSnapshot", "The host's AP bus as of one commit: configuration, masks, queue devices by driver, open scan, last sequence and digest",
                StatusCodes.Status404NotFound);
        host.MapPut("/config", Config)
            .Describe("ScanConfig", "Changes the AP configuration (adapters, usage and control domains; none above the host's maximum ids: 400 out-of-range) and runs a full scan of the bus",
                StatusCodes.Status404NotFound);
        host.MapPost("/config-changed", ConfigChanged)
            .Describe("ChangeConfig", "Changes the AP configuration (none above the host's maximum ids: 400 out-of-range) and announces only that; the probes, removals and scan complete come as their own requests",
                StatusCodes.Status404NotFound);
        host.MapPost("/queues/{apqn}/probe", Probe)
            .Describe("ProbeQueue", "Probes the queue device at the APQN (none above the host's maximum ids: 400 out-of-range); one already there changes nothing",
                StatusCodes.Status404NotFound);
        host.MapDelete("/queues/{apqn}", Remove)
            .Describe("RemoveQueue", "Removes the queue device at the APQN (none above the host's maximum ids: 400 out-of-range)",
                StatusCodes.Status404NotFound);
        host.MapPost("/scan-complete", ScanComplete)
            .Describe("CompleteScan", "Announces that the host's scan is complete", StatusCodes.Status404NotFound);
        host.MapPut("/masks", Masks)
            .Describe("SetBusMasks", "Changes the host's apmask and aqmask once VfioAp's veto allows it",
                StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>
    /// A host's first masks go through VfioAp's veto as every later change does: VfioAp may hold mdevs of the host already
    /// (made before its bus was defined), and none may keep a queue the masks reserve.
    /// </summary>
    static async Task<Results<Created<HostChanged>, Ok<HostChanged>, ValidationProblem>> Define(string host, HostDefinition body, HostStore store, VfioApClient vfioAp,
        CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var config = new ApConfig(errors.Ids("apm", body.Apm), errors.Ids("aqm", body.Aqm), errors.Ids("adm", body.Adm),
            errors.MaxId("maxAdapter", body.MaxAdapter), errors.MaxId("maxDomain", body.MaxDomain));
        var permissions = new ApPermissions(errors.Ids("apmask", body.Apmask, optional: true), errors.Ids("aqmask", body.Aqmask, optional: true));
        var form = errors.EventForm("eventForm", body.EventForm);
        foreach (var (field, problem) in config.AboveMaxima()) errors.Add(field, problem);
        if (errors.Any) return errors.Problem();
        var veto = new MaskVeto(vfioAp, host);
        var (last, created) = await store.DefineAsync(host, config, permissions, form,
            token => permissions == ApPermissions.None ? Task.CompletedTask : veto.AskAsync(permissions, 0, token), veto.ReleaseIfAskedAsync,
            cancellationToken);
        return created
            ? TypedResults.Created($"/hosts/{Uri.EscapeDataString(host)}", new HostChanged(host, last))
            : TypedResults.Ok(new HostChanged(host, last));
    }

    static async Task<Results<Ok<List<HostBusView>>, ValidationProblem>> List(string? after, string? limit, HostStore store,
        CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var page = errors.Page(after, limit);
        if (errors.Any) return errors.Problem();
        return TypedResults.Ok((await store.ListAsync(page, cancellationToken)).Select(HostBusView.From).ToList());
    }

    static async Task<Ok<HostBusView>> Get(string host, HostStore store, CancellationToken cancellationToken)
    {
        var found = await store.FindAsync(host, cancellationToken) ?? throw new ApBusException(ApBusErrorKind.NotFound, $"no host {host}");
        return TypedResults.Ok(HostBusView.From(found));
    }

    /// <summary>One row read in one statement behind any change in progress: the configuration, masks, devices and last sequence all of one commit.</summary>
    static async Task<Ok<BusSnapshotView>> Snapshot(string host, HostStore store, CancellationToken cancellationToken)
    {
        var found = await store.SnapshotAsync(host, cancellationToken) ?? throw new ApBusException(ApBusErrorKind.NotFound, $"no host {host}");
        return TypedResults.Ok(BusSnapshotView.From(found));
    }

    /// <summary>A full scan: config changed, removals and probes in ascending APQN order, scan complete (spec 2.2).</summary>
    static Task<Results<Ok<HostChanged>, ValidationProblem>> Config(string host, ConfigRequest body, HostStore store,
        CancellationToken cancellationToken) =>
        WithConfig(host, body, store, (bus, next, recorder) => bus.Scan(next, recorder), cancellationToken);

    /// <summary>Only the notification: the window's probes, removals and scan complete come as explicit requests.</summary>
    static Task<Results<Ok<HostChanged>, ValidationProblem>> ConfigChanged(string host, ConfigRequest body, HostStore store,
        CancellationToken cancellationToken) =>
        WithConfig(host, body, store, (bus, next, recorder) => bus.ChangeConfig(next, recorder), cancellationToken);

    static async Task<Results<Ok<HostChanged>, ValidationProblem>> WithConfig(string host, ConfigRequest body, HostStore store,
        Action<HostBus, ApConfig, IApBusListener> operation, CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var (apm, aqm, adm) = (errors.Ids("apm", body.Apm), errors.Ids("aqm", body.Aqm), errors.Ids("adm", body.Adm));
        if (errors.Any) return errors.Problem();
        return await Change(host, store, (bus, recorder) =>
        {
            var next = bus.Config with { Apm = apm, Aqm = aqm, Adm = adm };
            if (next.AboveMaximaText() is { } above) throw new ApBusException(ApBusErrorKind.OutOfRange, above);
            operation(bus, next, recorder);
        }, cancellationToken);
    }

    static async Task<Results<Ok<HostChanged>, ValidationProblem>> Probe(string host, string apqn, HostStore store,
        CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var queue = errors.ParseApqn("apqn", apqn);
        if (errors.Any) return errors.Problem();
        // Binding a queue device that is there already creates nothing: no event, as in the scenario runner.
        return await Change(host, store, (bus, recorder) =>
        {
            InRange(bus, queue);
            bus.Probe(queue, recorder);
        }, cancellationToken);
    }

    static async Task<Results<Ok<HostChanged>, ValidationProblem>> Remove(string host, string apqn, HostStore store,
        CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var queue = errors.ParseApqn("apqn", apqn);
        if (errors.Any) return errors.Problem();
        return await Change(host, store, (bus, recorder) =>
        {
            InRange(bus, queue);
            if (!bus.Remove(queue, recorder)) throw new ApBusException(ApBusErrorKind.NotFound, $"no queue device {queue} on host {host}");
        }, cancellationToken);
    }

    static void InRange(HostBus bus, Apqn queue)
    {
        if (!bus.Config.Allows(queue)) throw new ApBusException(ApBusErrorKind.OutOfRange, bus.Config.OutOfRangeMessage(queue));
    }

    static Task<Ok<HostChanged>> ScanComplete(string host, HostStore store, CancellationToken cancellationToken) =>
        Change(host, store, (bus, recorder) => bus.CompleteScan(recorder), cancellationToken);

    /// <summary>
    /// Asks VfioAp's veto first (holding the host row, so no other change of this bus interleaves), which reserves the
    /// change there until VfioAp applies it; a change not made releases its reservation. No change, no events.
    /// </summary>
    static async Task<Results<Ok<HostChanged>, ValidationProblem>> Masks(string host, MasksRequest body, HostStore store, VfioApClient vfioAp,
        CancellationToken cancellationToken)
    {
        var errors = new RequestErrors();
        var next = new ApPermissions(errors.Ids("apmask", body.Apmask), errors.Ids("aqmask", body.Aqmask));
        if (errors.Any) return errors.Problem();
        var veto = new MaskVeto(vfioAp, host);
        var last = await store.ChangeAsync(host, async (bus, recorder, token) =>
        {
            if (bus.Permissions == next) return;
            await veto.AskAsync(next, recorder.NextSequence - 1, token);
            bus.SetPermissions(next, recorder);
        }, cancellationToken, notMade: veto.ReleaseIfAskedAsync);
        return TypedResults.Ok(new HostChanged(host, last));
    }

    static async Task<Ok<HostChanged>> Change(string host, HostStore store, Action<HostBus, IApBusListener> operation,
        CancellationToken cancellationToken)
    {
        var last = await store.ChangeAsync(host, (bus, recorder, _) =>
        {
            operation(bus, recorder);
            return Task.CompletedTask;
        }, cancellationToken);
        return TypedResults.Ok(new HostChanged(host, last));
    }
}
