using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.GuestVm.Guests;
using Apmatrix.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Apmatrix.GuestVm.Persistence;

/// <summary>A guest refused a definition change; nothing changed.</summary>
public sealed class GuestConflictException(string message) : Exception(message);

/// <summary>
/// Applies ApplyApcb commands to guests in version order, exactly once each: commands wait in
/// <c>pending_apcb</c> (duplicates vanish on its key), then, holding the guest rows, each guest's
/// contiguous run after its applied version is applied; masks, versions, history and acknowledgements
/// commit together.
/// </summary>
public sealed class GuestStore(GuestVmDbContext db, OutboxSignal outbox, IOptions<GuestOptions> options)
{
    public async Task ApplyAsync(IReadOnlyList<ApplyApcb> commands, CancellationToken cancellationToken)
    {
        var keys = commands.Select(c => (c.HostId, c.GuestId)).Distinct().ToList();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AddPendingAsync(commands, cancellationToken);
        await AddMissingAsync(keys, options.Value.DefaultVcpus, ApcbFormat.Apcb1, cancellationToken);
        var guests = await LockAsync(keys, cancellationToken);
        var acknowledgements = commands
            .Where(c => c.Version <= guests[(c.HostId, c.GuestId)].Version)
            .Select(c => new ApcbApplied(c.HostId, c.GuestId, c.Version, Duplicate: true, 0))
            .ToList();
        var pending = await db.PendingApcbs
            .FromSqlRaw("SELECT * FROM pending_apcb WHERE (host_id, guest_id) IN (SELECT * FROM unnest(@hosts, @guests))", KeyParameters(keys))
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        var now = DateTime.UtcNow;
        foreach (var run in pending.GroupBy(p => (p.HostId, p.GuestId)))
            acknowledgements.AddRange(ApplyRun(guests[run.Key], run.OrderBy(p => p.Version), now));
        await db.SaveChangesAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync(
            "DELETE FROM pending_apcb p USING unnest(@hosts, @guests, @versions) AS g(host_id, guest_id, version) " +
            "WHERE p.host_id = g.host_id AND p.guest_id = g.guest_id AND p.version <= g.version",
            [.. KeyParameters(keys), Versions(keys.Select(k => guests[k].Version))], cancellationToken);
        await db.EnqueueAsync(acknowledgements, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
    }

    /// <summary>Applies the versions that follow the guest's own without a gap, one vCPU suspend each.</summary>
    List<ApcbApplied> ApplyRun(GuestRecord guest, IEnumerable<PendingApcb> run, DateTime now)
    {
        var applied = new List<ApcbApplied>();
        var machine = new GuestMachine(guest.Vcpus, guest.Format, options.Value.SuspendCostPerVcpu);
        foreach (var next in run.SkipWhile(p => p.Version <= guest.Version))
        {
            if (next.Version != guest.Version + 1) break;
            var write = machine.SetMasks(next.Masks);
            guest.Apply(next.Version, next.Mdev, write, now);
            db.ApcbHistory.Add(new ApcbHistoryEntry
            {
                HostId = guest.HostId, GuestId = guest.GuestId, Version = next.Version, Apm = write.Masks.Apm, Aqm = write.Masks.Aqm,
                Adm = write.Masks.Adm, Mdev = next.Mdev, SuspendedMilliseconds = write.Suspended.TotalMilliseconds, AppliedAt = now,
            });
            applied.Add(new ApcbApplied(guest.HostId, guest.GuestId, next.Version, Duplicate: false, write.Suspended.TotalMilliseconds));
        }
        return applied;
    }

    Task AddPendingAsync(IReadOnlyList<ApplyApcb> commands, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync(
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
        var guest = (await LockAsync([(hostId, guestId)], cancellationToken)).Values.Single();
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
                new NpgsqlParameter("empty", empty), new NpgsqlParameter("crycb", ApMasks.Empty.ToImage(format)),
            ], cancellationToken);
    }

    /// <summary>Locks the guests in key order, so batches sharing guests wait for each other instead of deadlocking.</summary>
    async Task<Dictionary<(string, string), GuestRecord>> LockAsync(IReadOnlyList<(string HostId, string GuestId)> keys, CancellationToken cancellationToken)
    {
        var guests = await db.Guests
            .FromSqlRaw("SELECT * FROM guests WHERE (host_id, guest_id) IN (SELECT * FROM unnest(@hosts, @guests)) " +
                        "ORDER BY host_id, guest_id FOR UPDATE", KeyParameters(keys))
            .ToListAsync(cancellationToken);
        return guests.ToDictionary(g => (g.HostId, g.GuestId));
    }

    static object[] KeyParameters(IReadOnlyList<(string HostId, string GuestId)> keys) =>
        [Texts("hosts", keys.Select(k => k.HostId)), Texts("guests", keys.Select(k => k.GuestId))];

    static NpgsqlParameter Texts(string name, IEnumerable<string?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() };

    static NpgsqlParameter Versions(IEnumerable<long> values) =>
        new("versions", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = values.ToArray() };

    static NpgsqlParameter Masks(string name, IEnumerable<string> sysfsHex) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = sysfsHex.Select(m => BitmapColumn.ToBytes(Bitmap256.ParseMsb0Hex(m))).ToArray() };
}
