using Apmatrix.Hosting;
using Apmatrix.VfioAp.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Apmatrix.VfioAp.Reconciliation;

/// <summary>
/// Ends the mask reservations ApBus left behind (it died between the check and the change, or its release was lost): one
/// older than <see cref="MaskOptions.PendingLease"/> ends when ApBus's snapshot, which ApBus reads behind any change of the
/// host in progress, shows the bus never moved past the sequence the check was made at. The snapshot is read before the
/// host row is locked, as a reconcile reads it, so no lock is held across the call.
/// </summary>
public sealed class MaskReservationExpiry(IServiceScopeFactory scopes, IOptions<MaskOptions> options, LogThrottle throttle,
    ILogger<MaskReservationExpiry> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lease = options.Value.PendingLease;
        // A quarter of the lease, at most 5 s: a left reservation ends soon after its lease; the query reads a tiny table.
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Min(lease.Ticks / 4, TimeSpan.FromSeconds(5).Ticks)));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ExpireAsync(lease, stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                if (throttle.ShouldLog("mask-reservations", DateTime.UtcNow, out var held))
                    log.LogWarning(DatabaseFaults.StackWorthy(e), "ending old mask reservations failed ({Cause}); trying again ({Held} similar failures not logged)",
                        e.GetBaseException().Message, held);
            }
        }
    }

    async Task ExpireAsync(TimeSpan lease, CancellationToken cancellationToken)
    {
        List<string> hosts;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var due = DateTime.UtcNow - lease;
            hosts = await scope.ServiceProvider.GetRequiredService<VfioApDbContext>().MaskReservations.AsNoTracking()
                .Where(r => r.ReservedAt <= due).Select(r => r.HostId).Distinct().ToListAsync(cancellationToken);
        }
        foreach (var hostId in hosts) await TryExpireAsync(hostId, lease, cancellationToken);
    }

    /// <summary>One host; a failure (ApBus unreachable, say) is logged once per interval per host and tried on the next round.</summary>
    async Task TryExpireAsync(string hostId, TimeSpan lease, CancellationToken cancellationToken)
    {
        var key = $"mask-reservations:{hostId}";
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            // Taken before the snapshot: a reservation made after it is younger than the lease, whatever the snapshot says.
            var now = DateTime.UtcNow;
            var snapshot = await scope.ServiceProvider.GetRequiredService<ApBusClient>().GetSnapshotAsync(hostId, cancellationToken);
            var ended = await scope.ServiceProvider.GetRequiredService<HostStore>().RunAsync(hostId,
                engine => engine.ExpireMaskReservations(now, lease, snapshot?.LastSequence), cancellationToken);
            if (ended > 0)
                log.LogWarning("host {Host}: {Count} mask reservation(s) older than {Lease} ended: ApBus never made the change (its last sequence {Sequence})",
                    hostId, ended, lease, snapshot?.LastSequence.ToString() ?? "none, no such host");
            throttle.Reset(key);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            if (throttle.ShouldLog(key, DateTime.UtcNow, out var held))
                log.LogWarning(DatabaseFaults.StackWorthy(e), "host {Host}: ending old mask reservations failed ({Cause}), trying again ({Held} similar failures not logged)",
                    hostId, e.GetBaseException().Message, held);
        }
    }
}
