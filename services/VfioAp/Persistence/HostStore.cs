using Apmatrix.ApModel;
using Apmatrix.Contracts;
using Apmatrix.Engine;
using Apmatrix.Hosting;
using Apmatrix.VfioAp.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using static Apmatrix.Hosting.SqlArrays;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>
/// Loads and saves hosts' engine state. A change runs as: transaction, host row lock (FOR UPDATE), load,
/// engine operation, write of what changed, guest updates with their ApplyApcbs outbox rows, commit. The
/// row lock is what serialises admin requests and bus events of one host across all instances.
/// </summary>
public sealed class HostStore(VfioApDbContext db, OutboxSignal outbox, VfioApMetrics metrics, HostStateCache cache)
{
    static readonly byte[] EmptyBitmap = new byte[BitmapColumn.Size];
    static readonly byte[] NothingBound = new byte[HostRow.BoundQueuesLength];

    /// <summary>
    /// Creates the rows of hosts not seen before (H empty with the largest ids, no masks, nothing bound); returns the
    /// ids it created.
    /// </summary>
    public async Task<List<string>> EnsureExistAsync(string[] hostIds, HotPlugMode mode, CancellationToken cancellationToken) =>
        hostIds.Length == 0 ? [] : await db.Database.SqlQuery<string>($"""
            INSERT INTO hosts (host_id, mode, last_sequence, apm, aqm, adm, max_adapter, max_domain, apmask, aqmask, bound_queues)
            SELECT id, {HotPlugModes.Name(mode)}, 0, {EmptyBitmap}, {EmptyBitmap}, {EmptyBitmap}, 255, 255, {EmptyBitmap}, {EmptyBitmap}, {NothingBound}
            FROM unnest({hostIds}) AS id
            ORDER BY id
            ON CONFLICT (host_id) DO NOTHING
            RETURNING host_id AS "Value"
            """).ToListAsync(cancellationToken);

    /// <summary>
    /// The lock a host has before its row exists, held to the end of the transaction: events of a host without a row are
    /// parked under it, and the transaction that creates the row takes it before reading them, so none is stranded.
    /// </summary>
    public Task LockUnbornAsync(IReadOnlyCollection<string> hostIds, CancellationToken cancellationToken) =>
        hostIds.Count == 0 ? Task.CompletedTask : db.Database.ExecuteSqlAsync($"""
            SELECT pg_advisory_xact_lock(hashtextextended(id, 0))
            FROM (SELECT id FROM unnest({hostIds.ToArray()}) AS id ORDER BY id) AS ordered
            """, cancellationToken);

    /// <summary>
    /// Creates the host in <paramref name="mode"/> (batched when not given), or changes its mode while it has neither bus
    /// events nor mdevs; an existing host keeps its mode when none is given.
    /// </summary>
    public async Task DefineAsync(string hostId, HotPlugMode? mode, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginAsync(cancellationToken);
        await EnsureExistAsync([hostId], mode ?? HotPlugMode.Batched, cancellationToken);
        var row = await LockAsync(hostId, cancellationToken) ?? throw NoSuchHost(hostId);
        if (mode is { } asked && row.Mode != asked)
        {
            if (row.LastSequence > 0 || await db.Mdevs.AnyAsync(m => m.HostId == hostId, cancellationToken))
                throw new MatrixException(MatrixErrorKind.Busy,
                    $"host {hostId} runs {HotPlugModes.Name(row.Mode)}: its mode is fixed once it has bus events or mdevs");
            row.Mode = asked;
            await db.SaveChangesAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Starts a unit of work with nothing tracked, so that a retry reusing the scope (MassTransit does, with some
    /// filters) cannot take the rows of an attempt that rolled back for the database's.
    /// </summary>
    public Task<IDbContextTransaction> BeginAsync(CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        return db.Database.BeginTransactionAsync(cancellationToken);
    }

    public async Task<HostRow?> LockAsync(string hostId, CancellationToken cancellationToken) =>
        (await db.Hosts.FromSql($"SELECT * FROM hosts WHERE host_id = {hostId} FOR UPDATE").ToListAsync(cancellationToken)).SingleOrDefault();

    /// <summary>The locked host's engine, from <see cref="HostStateCache"/> when it holds the row's state version, else read.</summary>
    public async Task<LockedHost> LoadAsync(HostRow row, CancellationToken cancellationToken)
    {
        var engine = cache.TakeEngine(row);
        if (cache.Find(row) is { } stored) return new LockedHost(row, stored, engine);
        var mdevs = await db.Mdevs.AsNoTracking().Where(m => m.HostId == row.HostId).OrderBy(m => m.Position).ToListAsync(cancellationToken);
        var guests = await db.Guests.AsNoTracking().Where(g => g.HostId == row.HostId).ToListAsync(cancellationToken);
        var reservations = await db.MaskReservations.AsNoTracking().Where(r => r.HostId == row.HostId)
            .OrderBy(r => r.ReservedAt).ThenBy(r => r.Id).ToListAsync(cancellationToken);
        return new LockedHost(row, StoredHost.Read(mdevs, guests, reservations), engine);
    }

    /// <summary>Writes what the engines changed, records each guest update and sends a host's updates in one ApplyApcbs, and commits.</summary>
    public Task CommitAsync(IDbContextTransaction transaction, IEnumerable<LockedHost> hosts, CancellationToken cancellationToken) =>
        CommitAsync(transaction, hosts, new WriteBatch(), cancellationToken);

    /// <summary>As above, with the caller's own <paramref name="writes"/> sent in the same round trip as the engines' rows.</summary>
    public async Task CommitAsync(IDbContextTransaction transaction, IEnumerable<LockedHost> hosts, WriteBatch writes, CancellationToken cancellationToken)
    {
        var written = hosts.Select(host => (Host: host, Changes: host.WriteBack())).ToList();
        foreach (var (host, changes) in written)
        {
            host.Row.StateVersion++;
            db.Mdevs.AddRange(changes.CreatedMdevs);
            db.Mdevs.RemoveRange(changes.RemovedMdevs);
            db.Guests.AddRange(changes.CreatedGuests);
            db.MaskReservations.AddRange(changes.CreatedReservations);
            db.MaskReservations.RemoveRange(changes.EndedReservations);
        }
        var plugs = written.Select(w => HotPlugs.Count(w.Host.StoredApcb, w.Changes.Updates))
            .Aggregate(default(HotPlugs), (sum, p) => new(sum.Updates + p.Updates, sum.Apqns + p.Apqns));
        await db.SaveChangesAsync(cancellationToken);
        UpdateMdevs(writes, written.SelectMany(w => w.Changes.ChangedMdevs).ToList());
        UpdateGuests(writes, written.SelectMany(w => w.Changes.ChangedGuests).ToList());
        // At most about one ApplyApcbs' worth at a time: a per-queue mode scan of a full host makes 65,536 updates in one
        // transaction, and their rows, parameters and messages all at once took VfioAp past 300 MB.
        var updates = new List<GuestUpdateRow>();
        foreach (var (host, changes) in written)
            foreach (var chunk in changes.Updates.Select((update, i) => GuestUpdateRow.From(changes.HostId, update, host.ScanCaused(i)))
                         .Chunk(ApplyApcbs.MaxGuests))
            {
                updates.AddRange(chunk);
                if (updates.Count >= ApplyApcbs.MaxGuests) await WriteUpdatesAsync(writes, updates, cancellationToken);
            }
        await WriteUpdatesAsync(writes, updates, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        foreach (var (host, changes) in written) cache.Keep(host.Row, changes.Stored, host.Engine);
        var sent = written.Sum(w => w.Changes.Updates.Count);
        metrics.Sent(sent, plugs);
        if (sent > 0) outbox.Notify();
    }

    /// <summary>
    /// Writes <paramref name="updates"/> and their ApplyApcbs after the statements in <paramref name="writes"/>, then empties
    /// both. Each host's updates come in whole messages' worth, so the messages are those one write of all would make.
    /// </summary>
    async Task WriteUpdatesAsync(WriteBatch writes, List<GuestUpdateRow> updates, CancellationToken cancellationToken)
    {
        AddGuestUpdates(writes, updates);
        await db.EnqueueAsync(writes, GuestUpdateRow.ToMessages(updates), m => m.HostId, cancellationToken);
        updates.Clear();
    }

    /// <summary>A scan changes the shadow APCB of every mdev at once: one statement, not one per row.</summary>
    static void UpdateMdevs(WriteBatch writes, List<MdevRow> mdevs)
    {
        if (mdevs.Count > 0) writes.Add(
            "UPDATE mdevs m SET max_adapter = u.max_adapter, max_domain = u.max_domain, assigned_apm = u.assigned_apm, " +
            "assigned_aqm = u.assigned_aqm, assigned_adm = u.assigned_adm, shadow_apm = u.shadow_apm, shadow_aqm = u.shadow_aqm, " +
            "shadow_adm = u.shadow_adm, added_apm = u.added_apm, added_aqm = u.added_aqm, added_adm = u.added_adm, guest = u.guest " +
            "FROM unnest(@hosts, @names, @max_adapters, @max_domains, @assigned_apm, @assigned_aqm, @assigned_adm, " +
            "@shadow_apm, @shadow_aqm, @shadow_adm, @added_apm, @added_aqm, @added_adm, @guests) " +
            "AS u(host_id, name, max_adapter, max_domain, assigned_apm, assigned_aqm, assigned_adm, shadow_apm, shadow_aqm, shadow_adm, " +
            "added_apm, added_aqm, added_adm, guest) " +
            "WHERE m.host_id = u.host_id AND m.name = u.name",
            [
                Texts("hosts", mdevs.Select(m => m.HostId)), Texts("names", mdevs.Select(m => m.Name)),
                Integers("max_adapters", mdevs.Select(m => m.MaxAdapter)), Integers("max_domains", mdevs.Select(m => m.MaxDomain)),
                Bitmaps("assigned_apm", mdevs.Select(m => m.AssignedApm)), Bitmaps("assigned_aqm", mdevs.Select(m => m.AssignedAqm)),
                Bitmaps("assigned_adm", mdevs.Select(m => m.AssignedAdm)), Bitmaps("shadow_apm", mdevs.Select(m => m.ShadowApm)),
                Bitmaps("shadow_aqm", mdevs.Select(m => m.ShadowAqm)), Bitmaps("shadow_adm", mdevs.Select(m => m.ShadowAdm)),
                Bitmaps("added_apm", mdevs.Select(m => m.AddedApm)), Bitmaps("added_aqm", mdevs.Select(m => m.AddedAqm)),
                Bitmaps("added_adm", mdevs.Select(m => m.AddedAdm)), Texts("guests", mdevs.Select(m => m.Guest)),
            ]);
    }

    static void UpdateGuests(WriteBatch writes, List<GuestRow> guests)
    {
        if (guests.Count > 0) writes.Add(
            "UPDATE guests g SET apm = u.apm, aqm = u.aqm, adm = u.adm, version = u.version " +
            "FROM unnest(@hosts, @names, @apm, @aqm, @adm, @versions) AS u(host_id, name, apm, aqm, adm, version) " +
            "WHERE g.host_id = u.host_id AND g.name = u.name",
            [
                Texts("hosts", guests.Select(g => g.HostId)), Texts("names", guests.Select(g => g.Name)),
                Bitmaps("apm", guests.Select(g => g.Apm)), Bitmaps("aqm", guests.Select(g => g.Aqm)), Bitmaps("adm", guests.Select(g => g.Adm)),
                Longs("versions", guests.Select(g => g.Version)),
            ]);
    }

    /// <summary>A scan's update for every guest of a host in one statement.</summary>
    static void AddGuestUpdates(WriteBatch writes, List<GuestUpdateRow> updates)
    {
        if (updates.Count > 0) writes.Add(
            // The database's clock: the resender and the acknowledgements compare these with its now().
            "INSERT INTO guest_updates (host_id, guest, version, apm, aqm, adm, mdev, created_at, sent_at, scan_caused) " +
            "SELECT u.host_id, u.guest, u.version, u.apm, u.aqm, u.adm, u.mdev, statement_timestamp(), statement_timestamp(), u.scan_caused " +
            "FROM unnest(@hosts, @guests, @versions, @apm, @aqm, @adm, @mdevs, @scan_caused) AS u(host_id, guest, version, apm, aqm, adm, mdev, scan_caused)",
            [
                Texts("hosts", updates.Select(u => u.HostId)), Texts("guests", updates.Select(u => u.Guest)),
                Longs("versions", updates.Select(u => u.Version)),
                Bitmaps("apm", updates.Select(u => u.Apm)), Bitmaps("aqm", updates.Select(u => u.Aqm)), Bitmaps("adm", updates.Select(u => u.Adm)),
                Texts("mdevs", updates.Select(u => u.Mdev)), Booleans("scan_caused", updates.Select(u => u.ScanCaused)),
            ]);
    }

    /// <summary>Runs one administrator operation on a host's engine; a refused operation rolls back and changes nothing.</summary>
    public async Task<T> RunAsync<T>(string hostId, Func<VfioApEngine, T> operation, CancellationToken cancellationToken)
    {
        await using var transaction = await BeginAsync(cancellationToken);
        var row = await LockAsync(hostId, cancellationToken) ?? throw NoSuchHost(hostId);
        var host = await LoadAsync(row, cancellationToken);
        var result = operation(host.Engine);
        await CommitAsync(transaction, [host], cancellationToken);
        return result;
    }

    /// <summary>
    /// The mask-change check as a reservation (<see cref="VfioApEngine.ReserveMasks"/>). A host not seen before is created
    /// first: mdevs made before its first bus event must be held off as well.
    /// </summary>
    public async Task ReserveMasksAsync(string hostId, ApPermissions masks, long afterSequence, Guid reservation,
        CancellationToken cancellationToken)
    {
        await using var transaction = await BeginAsync(cancellationToken);
        await EnsureExistAsync([hostId], HotPlugMode.Batched, cancellationToken);
        var row = await LockAsync(hostId, cancellationToken) ?? throw NoSuchHost(hostId);
        var host = await LoadAsync(row, cancellationToken);
        host.Engine.ReserveMasks(new MaskReservation(reservation, afterSequence, masks, DateTime.UtcNow), row.LastSequence);
        await CommitAsync(transaction, [host], cancellationToken);
    }

    public Task RunAsync(string hostId, Action<VfioApEngine> operation, CancellationToken cancellationToken) =>
        RunAsync(hostId, engine =>
        {
            operation(engine);
            return true;
        }, cancellationToken);

    public static MatrixException NoSuchHost(string hostId) => new(MatrixErrorKind.NotFound, $"no host {hostId}");
}
