using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.GuestVm.Guests;
using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using static Apmatrix.Hosting.SqlArrays;

namespace Apmatrix.GuestVm.Persistence;

/// <summary>A guest refused a definition change; nothing changed.</summary>
public sealed class GuestConflictException(string message) : Exception(message);

/// <summary>
/// Applies ApplyApcb commands to guests in version order, exactly once each: holding the guest rows, each
/// guest's contiguous run after its applied version is applied, from the batch and from <c>pending_apcb</c>;
/// versions after a gap wait in that table, repeats are acknowledged as duplicates. Masks, versions, history
/// and acknowledgements commit together, each written with one statement for the whole batch.
/// </summary>
public sealed class GuestStore(GuestVmDbContext db, OutboxSignal outbox, IOptions<GuestOptions> options)
{
    public async Task ApplyAsync(IReadOnlyList<ApplyApcb> commands, CancellationToken cancellationToken)
    {
        var arrived = commands.ToLookup(c => (c.HostId, c.GuestId));
        var keys = arrived.Select(g => g.Key).ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AddMissingAsync(keys, options.Value.DefaultVcpus, ApcbFormat.Apcb1, cancellationToken);
        var guests = await LockAsync(keys, tracking: false, cancellationToken);
        // Versions stored by earlier batches: stored only under these row locks, so all are visible now.
        var stored = (await db.PendingApcbs
            .FromSqlRaw("SELECT * FROM pending_apcb WHERE (host_id, guest_id) IN (SELECT * FROM unnest(@hosts, @guests))", KeyParameters(keys))
            .AsNoTracking()
            .ToListAsync(cancellationToken)).ToLookup(p => (p.HostId, p.GuestId));
        var now = DateTime.UtcNow;
        var acknowledgements = new List<ApcbApplied>();
        var runs = keys.Select(key =>
        {
            var guest = guests[key];
            var waiting = stored[key].ToDictionary(p => p.Version, p => (p.Masks, p.Mdev));
            foreach (var command in arrived[key])
                if (command.Version <= guest.Version)
                    acknowledgements.Add(new ApcbApplied(guest.HostId, guest.GuestId, command.Version, Duplicate: true, 0));
                else
                    waiting.TryAdd(command.Version, (Masks(command), command.Mdev));
            return (Guest: guest, Waiting: waiting, History: new List<ApcbHistoryEntry>());
        }).ToList();
        // Guests are separate machines: their vCPUs are suspended side by side, as KVM would for separate VMs.
        Parallel.ForEach(runs, run => ApplyRun(run.Guest, run.Waiting, now, run.History));
        var history = runs.SelectMany(r => r.History).ToList();
        acknowledgements.AddRange(history.Select(h => new ApcbApplied(h.HostId, h.GuestId, h.Version, Duplicate: false, h.SuspendedMilliseconds)));
        var applied = runs.Where(r => r.History.Count > 0).Select(r => r.Guest).ToList();
        var early = keys.SelectMany(key => arrived[key].Where(c => c.Version > guests[key].Version)).ToList();
        await UpdateGuestsAsync(applied, cancellationToken);
        await AddHistoryAsync(history, cancellationToken);
        if (stored.Count > 0)
            await db.Database.ExecuteSqlRawAsync(
                "DELETE FROM pending_apcb p USING unnest(@hosts, @guests, @versions) AS g(host_id, guest_id, version) " +
                "WHERE p.host_id = g.host_id AND p.guest_id = g.guest_id AND p.version <= g.version",
                [.. KeyParameters(keys), Versions(keys.Select(k => guests[k].Version))], cancellationToken);
        await AddPendingAsync(early, cancellationToken);
        await db.EnqueueAsync(acknowledgements, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
    }

    /// <summary>Applies the versions that follow the guest's own without a gap, one vCPU suspend each.</summary>
    void ApplyRun(GuestRecord guest, Dictionary<long, (ApMatrix Masks, string? Mdev)> waiting, DateTime now, List<ApcbHistoryEntry> history)
    {
        var machine = new GuestMachine(guest.Vcpus, guest.Format, options.Value.SuspendCostPerVcpu);
        while (waiting.TryGetValue(guest.Version + 1, out var next))
        {
            var write = machine.SetMasks(next.Masks);
            guest.Apply(guest.Version + 1, next.Mdev, write, now);
            history.Add(new ApcbHistoryEntry
            {
                HostId = guest.HostId, GuestId = guest.GuestId, Version = guest.Version, Apm = write.Masks.Apm, Aqm = write.Masks.Aqm,
                Adm = write.Masks.Adm, Mdev = next.Mdev, SuspendedMilliseconds = write.Suspended.TotalMilliseconds, AppliedAt = now,
            });
        }
    }

    static ApMatrix Masks(ApplyApcb command) =>
        new(Bitmap256.ParseMsb0Hex(command.Apm), Bitmap256.ParseMsb0Hex(command.Aqm), Bitmap256.ParseMsb0Hex(command.Adm));

    Task UpdateGuestsAsync(List<GuestRecord> guests, CancellationToken cancellationToken) =>
        guests.Count == 0 ? Task.CompletedTask : db.Database.ExecuteSqlRawAsync(
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
            ], cancellationToken);

    async Task AddHistoryAsync(List<ApcbHistoryEntry> history, CancellationToken cancellationToken)
    {
        if (history.Count == 0) return;
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY apcb_history (host_id, guest_id, version, apm, aqm, adm, mdev, suspended_ms, applied_at) FROM STDIN (FORMAT BINARY)",
            cancellationToken);
        foreach (var entry in history)
        {
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(entry.HostId, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(entry.GuestId, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(entry.Version, NpgsqlDbType.Bigint, cancellationToken);
            await copy.WriteBitmapAsync(entry.Apm, cancellationToken);
            await copy.WriteBitmapAsync(entry.Aqm, cancellationToken);
            await copy.WriteBitmapAsync(entry.Adm, cancellationToken);
            await copy.WriteTextOrNullAsync(entry.Mdev, cancellationToken);
            await copy.WriteAsync(entry.SuspendedMilliseconds, NpgsqlDbType.Double, cancellationToken);
            await copy.WriteAsync(entry.AppliedAt, NpgsqlDbType.TimestampTz, cancellationToken);
        }
        await copy.CompleteAsync(cancellationToken);
    }

    Task AddPendingAsync(List<ApplyApcb> commands, CancellationToken cancellationToken) =>
        commands.Count == 0 ? Task.CompletedTask : db.Database.ExecuteSqlRawAsync(
            "INSERT INTO pending_apcb (host_id, guest_id, version, apm, aqm, adm, mdev) " +
            "SELECT * FROM unnest(@hosts, @guests, @versions, @apm, @aqm, @adm, @mdevs) ON CONFLICT DO NOTHING",
            [
                Texts("hosts", commands.Select(c => c.HostId)), Texts("guests", commands.Select(c => c.GuestId)),
                Versions(commands.Select(c => c.Version)),
                Masks("apm", commands.Select(c => c.Apm)), Masks("aqm", commands.Select(c => c.Aqm)), Masks("adm", commands.Select(c => c.Adm)),
                Texts("mdevs", commands.Select(c => c.Mdev)),
            ], cancellationToken);

    /// <summary>Creates or changes a guest; its CRYCB format is fixed once it holds an APCB (KVM picks it when the VM is created).</summary>
    public async Task<GuestRecord> DefineAsync(string hostId, string guestId, int vcpus, ApcbFormat format, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AddMissingAsync([(hostId, guestId)], vcpus, format, cancellationToken);
        var guest = (await LockAsync([(hostId, guestId)], tracking: true, cancellationToken)).Values.Single();
        if (guest.Format != format)
        {
            if (guest.Version > 0)
                throw new GuestConflictException($"guest {guestId} holds an {guest.Format} APCB (version {guest.Version}); its CRYCB format cannot change");
            guest.Format = format;
            guest.Crycb = guest.Apcb.ToImage(format);
        }
        guest.Vcpus = vcpus;
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
                new NpgsqlParameter("empty", empty), new NpgsqlParameter("crycb", ApMatrix.Empty.ToImage(format)),
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

    static NpgsqlParameter Masks(string name, IEnumerable<string> sysfsHex) => Bitmaps(name, sysfsHex.Select(Bitmap256.ParseMsb0Hex));
}
