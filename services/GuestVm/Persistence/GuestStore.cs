using System.Diagnostics;
using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.GuestVm.Core;
using Apmatrix.GuestVm.Guests;
using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using static Apmatrix.Hosting.SqlArrays;

namespace Apmatrix.GuestVm.Persistence;

/// <summary>
/// Applies the guest updates of ApplyApcbs commands in version order, exactly once each: holding the guest rows, it loads each
/// guest, its arrived commands and its parked ones (<c>pending_apcb</c>), lets <see cref="ApcbVersions"/> decide
/// and apply, and saves what that says: masks, versions, history and acknowledgements, and versions to park or
/// delete, each written with one statement for the whole batch, all of them sent together and committed.
/// </summary>
public sealed class GuestStore(GuestVmDbContext db, OutboxSignal outbox, IOptions<GuestOptions> options, GuestVmMetrics metrics,
    ILogger<GuestStore> log)
{
    /// <summary>A span per guest around its suspend, write and resume: the part of a config change a guest feels.</summary>
    static readonly ActivitySource Tracing = new(Telemetry.SourcePrefix + "GuestVm");

    public async Task ApplyAsync(IReadOnlyList<ApplyApcbs> messages, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var commands = messages.SelectMany(m => m.Guests.Select(g => (m.HostId, Command: g))).ToList();
        var arrived = commands.ToLookup(c => (c.HostId, c.Command.GuestId), c => c.Command);
        var keys = arrived.Select(g => g.Key).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var guests = await LockAsync(keys, tracking: false, cancellationToken);
        // A guest is born of its first update; looked for first, since all but a guest's first batch find it.
        if (guests.Count < keys.Count)
        {
            await AddMissingAsync(keys, options.Value.DefaultVcpus, ApcbFormat.Apcb1, cancellationToken);
            guests = await LockAsync(keys, tracking: false, cancellationToken);
        }
        // Versions parked by earlier batches: parked only under these row locks, so all are visible now.
        var parked = (await db.PendingApcbs
            .FromSqlRaw("SELECT * FROM pending_apcb WHERE (host_id, guest_id) IN (SELECT * FROM unnest(@hosts, @guests))", KeyParameters(keys))
            .AsNoTracking()
            .ToListAsync(cancellationToken)).ToLookup(p => (p.HostId, p.GuestId));
        var now = DateTime.UtcNow;
        var (suspendCost, gapTimeout) = (options.Value.SuspendCostPerVcpu, options.Value.GapTimeout);
        var runs = new ApcbRun[keys.Count];
        // Guests are separate machines: their vCPUs are suspended side by side, as KVM would for separate VMs.
        Parallel.For(0, keys.Count, i =>
        {
            var key = keys[i];
            var waiting = parked[key].OrderBy(p => p.Version).Select(p => p.ToCommand()).ToList();
            using var apply = Tracing.StartActivity("apcb apply");
            apply?.SetTag("apmatrix.host", key.HostId);
            apply?.SetTag("apmatrix.guest", key.GuestId);
            runs[i] = ApcbVersions.Apply(guests[key].ToState(), arrived[key].Select(Command), waiting, suspendCost, now, gapTimeout);
            apply?.SetTag("apmatrix.apcb.versions", string.Join(",", runs[i].Applied.Select(a => a.Version)));
            apply?.SetTag("apmatrix.apcb.suspended_ms", runs[i].Applied.Sum(a => a.SuspendedMilliseconds));
        });
        var applied = new List<GuestRecord>();
        var cleared = new List<GuestRecord>();
        var history = new List<ApcbHistoryEntry>();
        var early = new List<PendingApcb>();
        var acknowledgements = new List<(string HostId, GuestApcbApplied Ack)>();
        var appliedAcknowledgements = new List<(string HostId, GuestApcbApplied Ack)>();
        for (var i = 0; i < keys.Count; i++)
        {
            var (guest, run) = (guests[keys[i]], runs[i]);
            if (run.GivenUp is { } skipped)
                log.LogWarning("guest {Guest} on host {Host} skipped versions {First}-{Last}: they had not come within Guests:GapTimeout ({GapTimeout}) while a later one waited",
                    guest.GuestId, guest.HostId, skipped.First, skipped.Last, gapTimeout);
            acknowledgements.AddRange(run.Duplicates.Select(v =>
                (guest.HostId, new GuestApcbApplied(guest.GuestId, v, Duplicate: true, 0, run.Guest.Version, v == run.Conflicted))));
            guest.Store(run.Guest);
            if (run.Applied.Count > 0) applied.Add(guest);
            if (run.UsedParked) cleared.Add(guest);
            appliedAcknowledgements.AddRange(run.Applied.Select(a =>
                (guest.HostId, new GuestApcbApplied(guest.GuestId, a.Version, Duplicate: false, a.SuspendedMilliseconds, run.Guest.Version))));
            history.AddRange(run.Applied.Select(a => new ApcbHistoryEntry
            {
                HostId = guest.HostId, GuestId = guest.GuestId, Version = a.Version, Apm = a.Masks.Apm, Aqm = a.Masks.Aqm, Adm = a.Masks.Adm,
                Mdev = a.Mdev, SuspendedMilliseconds = a.SuspendedMilliseconds, AppliedAt = now,
            }));
            early.AddRange(run.ToPark.Select(c => new PendingApcb
            {
                HostId = guest.HostId, GuestId = guest.GuestId, Version = c.Version, Apm = c.Masks.Apm, Aqm = c.Masks.Aqm, Adm = c.Masks.Adm, Mdev = c.Mdev,
                ReceivedAt = now,
            }));
        }
        acknowledgements.AddRange(appliedAcknowledgements);
        var writes = new WriteBatch();
        UpdateGuests(writes, applied);
        AddHistory(writes, history);
        DeleteParked(writes, cleared);
        Park(writes, early);
        await db.EnqueueAsync(writes, Acknowledgements(acknowledgements), m => m.HostId, cancellationToken);
        var committing = Stopwatch.GetTimestamp();
        await transaction.CommitAsync(cancellationToken);
        metrics.Applied(history.ConvertAll(h => h.SuspendedMilliseconds));
        outbox.Notify();
        if (log.IsEnabled(LogLevel.Debug))
            log.LogDebug("{Commands} APCB commands for {Guests} guest(s): {Applied} applied, {Parked} parked; applied in {Applying:F1} ms, committed in {Committed:F1} ms",
                commands.Count, keys.Count, history.Count, early.Count, Stopwatch.GetElapsedTime(started, committing).TotalMilliseconds,
                Stopwatch.GetElapsedTime(committing).TotalMilliseconds);
    }

    /// <summary>One ApcbsApplied per host (more past the size limit): the batch's acknowledgements of a host travel together.</summary>
    static List<ApcbsApplied> Acknowledgements(List<(string HostId, GuestApcbApplied Ack)> acknowledgements) =>
    [
        .. acknowledgements.GroupBy(a => a.HostId, StringComparer.Ordinal)
            .SelectMany(host => host.Chunk(ApplyApcbs.MaxGuests).Select(chunk => new ApcbsApplied(host.Key, [.. chunk.Select(a => a.Ack)]))),
    ];

    static ApcbCommand Command(GuestApcb command) => new(command.Version,
        new(Bitmap256.ParseMsb0Hex(command.Apm), Bitmap256.ParseMsb0Hex(command.Aqm), Bitmap256.ParseMsb0Hex(command.Adm)), command.Mdev);

    static void UpdateGuests(WriteBatch writes, List<GuestRecord> guests)
    {
        if (guests.Count > 0) writes.Add(
            "UPDATE guests g SET apm = u.apm, aqm = u.aqm, adm = u.adm, crycb = u.crycb, mdev = u.mdev, version = u.version, " +
            "update_count = u.update_count, suspended_ms = u.suspended_ms, applied_at = u.applied_at " +
            "FROM unnest(@hosts, @guests, @apm, @aqm, @adm, @crycb, @mdevs, @versions, @counts, @suspended, @applied) " +
            "AS u(host_id, guest_id, apm, aqm, adm, crycb, mdev, version, update_count, suspended_ms, applied_at) " +
            "WHERE g.host_id = u.host_id AND g.guest_id = u.guest_id",
            [
                Texts("hosts", guests.Select(g => g.HostId)), Texts("guests", guests.Select(g => g.GuestId)),
                Bitmaps("apm", guests.Select(g => g.Apm)), Bitmaps("aqm", guests.Select(g => g.Aqm)),
                Bitmaps("adm", guests.Select(g => g.Adm)), Bytes("crycb", guests.Select(g => g.Crycb)),
                Texts("mdevs", guests.Select(g => g.Mdev)), Versions(guests.Select(g => g.Version)),
                Longs("counts", guests.Select(g => g.UpdateCount)), Doubles("suspended", guests.Select(g => g.SuspendedMilliseconds)),
                Timestamps("applied", guests.Select(g => g.AppliedAt!.Value)),
            ]);
    }

    /// <summary>One statement for the batch's history, as for every other table here, however many rows.</summary>
    static void AddHistory(WriteBatch writes, List<ApcbHistoryEntry> history)
    {
        if (history.Count > 0) writes.Add(
            "INSERT INTO apcb_history (host_id, guest_id, version, apm, aqm, adm, mdev, suspended_ms, applied_at) " +
            "SELECT * FROM unnest(@hosts, @guests, @versions, @apm, @aqm, @adm, @mdevs, @suspended, @applied)",
            [
                .. ApcbColumns(history.ConvertAll(h => (h.HostId, h.GuestId, h.Version, h.Apm, h.Aqm, h.Adm, h.Mdev))),
                Doubles("suspended", history.Select(h => h.SuspendedMilliseconds)), Timestamps("applied", history.Select(h => h.AppliedAt)),
            ]);
    }

    /// <summary>Deletes each guest's parked versions at or below the version it now holds.</summary>
    static void DeleteParked(WriteBatch writes, List<GuestRecord> guests)
    {
        if (guests.Count > 0) writes.Add(
            "DELETE FROM pending_apcb p USING unnest(@hosts, @guests, @versions) AS g(host_id, guest_id, version) " +
            "WHERE p.host_id = g.host_id AND p.guest_id = g.guest_id AND p.version <= g.version",
            [
                Texts("hosts", guests.Select(g => g.HostId)), Texts("guests", guests.Select(g => g.GuestId)),
                Versions(guests.Select(g => g.Version)),
            ]);
    }

    static void Park(WriteBatch writes, List<PendingApcb> versions)
    {
        // Received by this process's clock, which the gap timeout is read against (ApcbVersions), not the database's.
        if (versions.Count > 0) writes.Add(
            "INSERT INTO pending_apcb (host_id, guest_id, version, apm, aqm, adm, mdev, received_at) " +
            "SELECT * FROM unnest(@hosts, @guests, @versions, @apm, @aqm, @adm, @mdevs, @received) ON CONFLICT DO NOTHING",
            [
                .. ApcbColumns(versions.ConvertAll(p => (p.HostId, p.GuestId, p.Version, p.Apm, p.Aqm, p.Adm, p.Mdev))),
                Timestamps("received", versions.Select(p => p.ReceivedAt)),
            ]);
    }

    /// <summary>The columns an APCB version is stored in, parked or in the history: @hosts, @guests, @versions, @apm, @aqm, @adm, @mdevs.</summary>
    static NpgsqlParameter[] ApcbColumns(List<(string Host, string Guest, long Version, Bitmap256 Apm, Bitmap256 Aqm, Bitmap256 Adm, string? Mdev)> rows) =>
    [
        Texts("hosts", rows.Select(r => r.Host)), Texts("guests", rows.Select(r => r.Guest)), Versions(rows.Select(r => r.Version)),
        Bitmaps("apm", rows.Select(r => r.Apm)), Bitmaps("aqm", rows.Select(r => r.Aqm)), Bitmaps("adm", rows.Select(r => r.Adm)),
        Texts("mdevs", rows.Select(r => r.Mdev)),
    ];

    /// <summary>
    /// Makes the guest with <paramref name="vcpus"/> (else <c>Guests:DefaultVcpus</c>) and <paramref name="format"/> (else
    /// Apcb1), or changes what is given of an existing one, which keeps what is not; its CRYCB format is fixed once it holds
    /// an APCB (KVM picks it when the VM is created).
    /// </summary>
    public async Task<GuestRecord> DefineAsync(string hostId, string guestId, int? vcpus, ApcbFormat? format, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AddMissingAsync([(hostId, guestId)], vcpus ?? options.Value.DefaultVcpus, format ?? ApcbFormat.Apcb1, cancellationToken);
        var guest = (await LockAsync([(hostId, guestId)], tracking: true, cancellationToken)).Values.Single();
        var state = guest.ToState();
        var redefined = state.Redefine(vcpus ?? state.Vcpus, format ?? state.Format)
            ?? throw new GuestConflictException($"guest {guestId} holds an {guest.Format} APCB (version {guest.Version}); its CRYCB format cannot change");
        guest.Store(redefined);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return guest;
    }

    Task AddMissingAsync(IReadOnlyList<(string HostId, string GuestId)> keys, int vcpus, ApcbFormat format, CancellationToken cancellationToken)
    {
        var empty = BitmapColumn.ToBytes(Bitmap256.Empty);
        return db.Database.ExecuteSqlRawAsync(
            "INSERT INTO guests (host_id, guest_id, vcpus, format, apm, aqm, adm, crycb, version, update_count, suspended_ms) " +
            "SELECT k.host_id, k.guest_id, @vcpus, @format, @empty, @empty, @empty, @crycb, 0, 0, 0 " +
            "FROM unnest(@hosts, @guests) AS k(host_id, guest_id) ORDER BY 1, 2 ON CONFLICT DO NOTHING",
            [
                .. KeyParameters(keys), new NpgsqlParameter("vcpus", vcpus), new NpgsqlParameter("format", format.ToString()),
                new NpgsqlParameter("empty", empty), new NpgsqlParameter("crycb", GuestMachineState.New(vcpus, format).Crycb),
            ], cancellationToken);
    }

    /// <summary>Locks the guests in key order, so batches sharing guests wait for each other instead of deadlocking.</summary>
    async Task<Dictionary<(string, string), GuestRecord>> LockAsync(IReadOnlyList<(string HostId, string GuestId)> keys, bool tracking,
        CancellationToken cancellationToken)
    {
        var query = db.Guests
            .FromSqlRaw("SELECT * FROM guests WHERE (host_id, guest_id) IN (SELECT * FROM unnest(@hosts, @guests)) " +
                        "ORDER BY host_id, guest_id FOR UPDATE", KeyParameters(keys));
        var guests = await (tracking ? query : query.AsNoTracking()).ToListAsync(cancellationToken);
        return guests.ToDictionary(g => (g.HostId, g.GuestId));
    }

    static object[] KeyParameters(IReadOnlyList<(string HostId, string GuestId)> keys) =>
        [Texts("hosts", keys.Select(k => k.HostId)), Texts("guests", keys.Select(k => k.GuestId))];

    static NpgsqlParameter Versions(IEnumerable<long> values) => Longs("versions", values);
}
