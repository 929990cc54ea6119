using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using MassTransit;
using MassTransit.Logging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using RabbitMQ.Client.Exceptions;

namespace Apmatrix.Hosting;

/// <summary>
/// Publishes committed outbox rows and deletes them in the same transaction, one partition key (one host) at a time
/// per lane: a lane takes the key's advisory lock, publishes its oldest rows in sequence order with the key as routing
/// key and commits. <see cref="MessagingOptions.OutboxLanes"/> lanes per instance and any number of instances share
/// the work, one host's backlog never holds back another's, and a host's messages still leave in order, since only the
/// lock's holder publishes them. A crash before commit re-sends the batch with the same message ids, which consumers
/// deduplicate by their own keys. A batch that cannot be published within <see cref="MessagingOptions.PublishTimeout"/>
/// rolls back, its rows stay, and it is tried again after a back-off, so a broker or database outage costs time, never rows.
/// Publishes that fail twice in a row drop the broker connections (<see cref="BrokerConnections"/>): a channel the
/// broker no longer confirms on is not used for ever.
/// </summary>
public sealed class OutboxDispatcher<TContext>(IServiceScopeFactory scopes, IBus bus, OutboxSignal signal, BrokerConnections broker,
    IOptions<MessagingOptions> options, ILogger<OutboxDispatcher<TContext>> log, IOutboxPace? pace = null) : BackgroundService where TContext : DbContext
{
    /// <summary>Failed publishes in a row, of any lane, after which the broker connections are dropped.</summary>
    const int FailuresBeforeDrop = 2;

    /// <summary>Across lanes: a stuck channel fails every lane's publishes, while the lanes take the hosts' keys in turns.</summary>
    int _failedPublishes;

    /// <summary>Batches whose publishing failed, for any reason: MassTransit may have set a channel up afresh for any type.</summary>
    long _failedBatches;

    /// <summary>
    /// How often an idle instance looks for rows nobody signalled (an instance died before publishing them): lane 1
    /// only; the other lanes wait for a commit's signal, so an idle service costs one query per poll, not one per lane.
    /// </summary>
    static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(250);

    /// <summary>How soon a lane looks again after <see cref="IOutboxPace"/> held a key's rows back (a commit's signal is sooner).</summary>
    static readonly TimeSpan HeldPoll = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// The body text one batch reads before it stops taking rows (the first row is always taken): 64 ApplyApcbs of 1,024 guests
    /// each, read, unpacked and serialized at once, held about 100 MB.
    /// </summary>
    const long BodyCharsPerBatch = 1 << 20;

    static readonly IReadOnlyDictionary<string, int> NoLimits = new Dictionary<string, int>();

    /// <summary>The first key of an advisory lock on a partition: the second is the key's hash.</summary>
    const int LockClass = 0x0b0c;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(1, options.Value.OutboxLanes).Select(lane => RunLaneAsync(lane, stoppingToken)));

    async Task RunLaneAsync(int lane, CancellationToken stoppingToken)
    {
        // MassTransit takes a publish's parent from its row's header only when no activity is current (Publish below).
        Activity.Current = null;
        var outage = new Outage(log, $"publishing the outbox (lane {lane})");
        var state = new Lane();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var dispatched = await DispatchAsync(state, stoppingToken);
                outage.Succeeded();
                if (dispatched == 0) await signal.WaitAsync(state.Held ? HeldPoll : lane == 1 ? IdlePoll : Timeout.InfiniteTimeSpan, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                await Task.Delay(outage.Failed(e), stoppingToken);
            }
        }
    }

    /// <summary>
    /// What one lane remembers between batches: where it left off among the keys, whether the pace held them, and the
    /// types it has published since the broker connections it counted were opened and the failures it counted happened.
    /// </summary>
    sealed class Lane
    {
        public string? After;
        public bool Held;
        public (long Opened, long Failed) Epoch = (-1, -1);
        public HashSet<Type> Published = [];
    }

    async Task<int> DispatchAsync(Lane lane, CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        var limits = pace is null ? NoLimits : await pace.LimitsAsync(stoppingToken);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await db.Database.OpenConnectionAsync(stoppingToken);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        // Each database round trip is a wait on every hop of a change, so a batch costs two: the transaction begun with
        // the key locked and its rows read, then the rows deleted with the commit. A transaction left open by a failure
        // is rolled back when the connection goes back to Npgsql's pool, which releases the key's lock.
        var rows = await LockAndReadAsync(connection, lane.After, options.Value.OutboxBatchSize, limits, stoppingToken);
        lane.Held = false;
        if (rows.Count == 0) return 0;
        var key = rows[0].PartitionKey;
        lane.After = key;
        var read = Stopwatch.GetTimestamp();
        var unpacked = Unpack(rows);
        var readable = unpacked.SelectMany(messages => messages).ToList();
        var allowed = pace is null || readable.Count == 0
            ? readable.Count
            : Math.Min(readable.Count, await pace.AllowAsync(key, readable.Select(m => m.Message).ToList(), stoppingToken));
        if (allowed <= 0 && readable.Count > 0)
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
            await rollback.ExecuteNonQueryAsync(stoppingToken);
            lane.Held = true;
            return 0;
        }
        // Whole rows up to the last message allowed (unreadable ones among them are dropped); the rest wait for the next batch.
        var taken = OutboxRows.Taken(unpacked.Select(messages => messages.Count).ToList(), allowed);
        rows = rows[..taken];
        await PublishAsync(lane, readable[..unpacked.Take(taken).Sum(messages => messages.Count)], stoppingToken);
        var published = Stopwatch.GetTimestamp();
        await using (var done = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("DELETE FROM outbox_messages WHERE sequence = ANY($1)") { Parameters = { new() { Value = rows.Select(r => r.Sequence).ToArray() } } },
                new NpgsqlBatchCommand("COMMIT"),
            },
        })
            await done.ExecuteNonQueryAsync(stoppingToken);
        // Guarded: once per batch on the hot path, as BusEventApplier's.
        if (log.IsEnabled(LogLevel.Debug))
            log.LogDebug("outbox: {Rows} rows of {Key} read in {Read:F1} ms, published and confirmed in {Published:F1} ms, deleted and committed in {Committed:F1} ms",
                rows.Count, key, Stopwatch.GetElapsedTime(started, read).TotalMilliseconds, Stopwatch.GetElapsedTime(read, published).TotalMilliseconds,
                Stopwatch.GetElapsedTime(published).TotalMilliseconds);
        return rows.Count;
    }

    /// <summary>
    /// Publishes a batch within <see cref="MessagingOptions.PublishTimeout"/>, and gives it up at once when a broker
    /// connection is lost (<see cref="BrokerConnections.Lost"/>): publisher confirms can wait forever on a connection
    /// that died under them, and these are what end the wait. The broker's failures (no confirm in time, a channel or
    /// connection error) are counted, and the second in a row drops the broker connections; one across a lost or new
    /// connection is not. Any failure makes every lane publish each type's first message alone again
    /// (<see cref="PublishInOrderAsync"/>).
    /// </summary>
    async Task PublishAsync(Lane lane, List<Readable> messages, CancellationToken stoppingToken)
    {
        var (lost, opened) = (broker.Lost, broker.Opened);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lost);
        timeout.CancelAfter(options.Value.PublishTimeout);
        try
        {
            await PublishInOrderAsync(lane, messages, timeout.Token);
            Volatile.Write(ref _failedPublishes, 0);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _failedBatches);
            // A connection lost or opened meanwhile explains the failure (MassTransit re-sends across a reconnect): dropping
            // the new ones would only cost another reconnect.
            var sameConnection = !lost.IsCancellationRequested && broker.Opened == opened;
            // Said as what ended the wait: a bare "A task was canceled." names neither.
            var ended = e is not OperationCanceledException ? null
                : lost.IsCancellationRequested ? "a broker connection was lost with the batch in flight"
                : $"the broker did not confirm the batch within {options.Value.PublishTimeout}";
            if (sameConnection && IsBrokerFailure(e) && Interlocked.Increment(ref _failedPublishes) is var failed && failed >= FailuresBeforeDrop)
            {
                // Counted afresh after a drop: the next needs two more failures, on the new connections.
                if (broker.Drop($"the outbox's publishes failed {failed} times in a row ({ended ?? e.Message})", options.Value.PublishTimeout) > 0)
                    Volatile.Write(ref _failedPublishes, 0);
            }
            if (ended is not null) throw new TimeoutException(ended);
            throw;
        }
    }

    /// <summary>
    /// What a new connection may cure; a message that cannot be published at all is not. A publish out of turn is
    /// MassTransit's answer to one of these (a nack, a lost connection) that the outbox stopped from going on.
    /// </summary>
    static bool IsBrokerFailure(Exception e) =>
        e is OperationCanceledException or ConnectionException or TransportUnavailableException or RabbitMQClientException or IOException
            or SocketException or PublishOutOfTurnException;

    /// <summary>
    /// The statement of <see cref="LockAndReadAsync"/>: $1 the key after which to look, $2 how many rows, $3 and $4 fewer
    /// rows for some keys (<see cref="IOutboxPace.LimitsAsync"/>). <c>chosen</c> is read twice, so materialized: its lock is
    /// taken once.
    /// </summary>
    static readonly string LockAndRead = $"""
            WITH RECURSIVE
                later(k) AS (
                    SELECT min(partition_key) FROM outbox_messages WHERE partition_key > $1
                    UNION ALL
                    SELECT (SELECT min(partition_key) FROM outbox_messages WHERE partition_key > later.k) FROM later WHERE later.k IS NOT NULL),
                every(k) AS (
                    SELECT min(partition_key) FROM outbox_messages
                    UNION ALL
                    SELECT (SELECT min(partition_key) FROM outbox_messages WHERE partition_key > every.k) FROM every WHERE every.k IS NOT NULL),
                chosen(k) AS MATERIALIZED (
                    (SELECT k FROM later WHERE k IS NOT NULL AND pg_try_advisory_xact_lock({LockClass}, hashtext(k)) LIMIT 1)
                    UNION ALL
                    (SELECT k FROM every WHERE k IS NOT NULL AND pg_try_advisory_xact_lock({LockClass}, hashtext(k)) LIMIT 1)
                    LIMIT 1)
            SELECT o.sequence, o.message_id, o.message_type, o.body::text, o.partition_key, o.trace_parent
            FROM outbox_messages o
            WHERE o.partition_key = (SELECT k FROM chosen)
            ORDER BY o.sequence
            LIMIT least($2, coalesce((SELECT l.n FROM unnest($3::text[], $4::int[]) AS l(k, n) WHERE l.k = (SELECT k FROM chosen)), $2))
            FOR UPDATE OF o
        """;

    /// <summary>
    /// Begins a transaction and, in the same round trip, locks the first key after <paramref name="after"/> with rows
    /// waiting (from the first key when none after it, or when null) and reads its oldest rows. The keys are walked one
    /// index probe each, and the walk stops at the first lock taken. The statement's snapshot is older than the lock, so
    /// <c>FOR UPDATE</c> is what skips the rows a dispatcher that held the key until just now has deleted and committed.
    /// </summary>
    static async Task<List<OutboxMessage>> LockAndReadAsync(NpgsqlConnection connection, string? after, int limit,
        IReadOnlyDictionary<string, int> limits, CancellationToken cancellationToken)
    {
        var paced = limits.ToArray();
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("BEGIN"),
                new NpgsqlBatchCommand(LockAndRead)
                {
                    Parameters =
                    {
                        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)after ?? DBNull.Value },
                        new() { NpgsqlDbType = NpgsqlDbType.Integer, Value = limit },
                        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = paced.Select(l => l.Key).ToArray() },
                        new() { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, Value = paced.Select(l => l.Value).ToArray() },
                    },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var (rows, chars) = (new List<OutboxMessage>(), 0L);
        // Rows left unread stay locked with the key until the commit and are read by the next batch.
        while (chars < BodyCharsPerBatch && await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new OutboxMessage
            {
                Sequence = reader.GetInt64(0),
                MessageId = reader.GetGuid(1),
                MessageType = reader.GetString(2),
                Body = reader.GetString(3),
                PartitionKey = reader.GetString(4),
                TraceParent = reader.IsDBNull(5) ? null : reader.GetString(5),
            });
            chars += rows[^1].Body.Length;
        }
        return rows;
    }

    /// <summary>
    /// Publishes the messages in order, all at once, each handed to the one channel before the next starts
    /// (<see cref="ChannelHandOver"/>). A type's first publish on this lane since the broker connections were opened or a
    /// publish failed goes alone, after those before it are confirmed: its exchange is declared on the way, a wait the
    /// rest of its type would share and leave in no set order. A publish that waits where none was expected is awaited
    /// alone too. Each publish is awaited only until the publish timeout: MassTransit 8.5 waits without the token for
    /// the exchange's declaration on its channel, and after a failed one on a channel it keeps, for ever (its one-time
    /// set-up queues the next caller behind a run that has already ended); the drop of the connections after two such
    /// failures is what gives that channel up.
    /// </summary>
    async Task PublishInOrderAsync(Lane lane, List<Readable> messages, CancellationToken cancellationToken)
    {
        var epoch = (broker.Opened, Volatile.Read(ref _failedBatches));
        if (lane.Epoch != epoch) (lane.Epoch, lane.Published) = (epoch, []);
        var sent = new List<Task>(messages.Count);
        foreach (var m in messages)
        {
            var first = !lane.Published.Contains(m.Type);
            if (first) await Task.WhenAll(sent);
            var handOver = new ChannelHandOver(sent);
            var publish = handOver.Start(h => Publish(m, h)).WaitAsync(cancellationToken);
            if (first || !handOver.Synchronous) await publish;
            if (first) lane.Published.Add(m.Type);
            sent.Add(publish);
        }
        await Task.WhenAll(sent);

        Task Publish(Readable m, ChannelHandOver handOver) =>
            bus.Publish(m.Message, m.Type, Pipe.Execute<PublishContext>(context =>
            {
                context.MessageId = m.MessageId;
                // Each row's own cause becomes its publish span's parent, so the trace runs on past the outbox.
                if (m.TraceParent is not null) context.Headers.Set(DiagnosticHeaders.ActivityId, m.TraceParent);
                // The consistent-hash exchange a consumer binds hashes it: one host's messages reach one queue.
                if (m.PartitionKey.Length > 0) context.SetRoutingKey(m.PartitionKey);
                handOver.Watch(context);
            }), cancellationToken);
    }

    sealed record Readable(Guid MessageId, object Message, Type Type, string PartitionKey, string? TraceParent);

    /// <summary>
    /// The messages of the leading rows, a batch's worth (<see cref="MessagingOptions.OutboxBatchSize"/>): packed rows
    /// past it stay unread, not unpacked only for the pace to hold them back.
    /// </summary>
    List<IReadOnlyList<Readable>> Unpack(List<OutboxMessage> rows)
    {
        var (unpacked, messages) = (new List<IReadOnlyList<Readable>>(rows.Count), 0);
        for (var i = 0; i < rows.Count && messages < options.Value.OutboxBatchSize; i++)
        {
            unpacked.Add(Read(rows[i]));
            messages += unpacked[^1].Count;
        }
        return unpacked;
    }

    /// <summary>A row's messages; a row no contract can read would block every row after it, so it is logged whole and dropped (none).</summary>
    IReadOnlyList<Readable> Read(OutboxMessage row)
    {
        try
        {
            var (type, packed, messages) = OutboxRows.Unpack(row.MessageType, row.Body);
            return [.. messages.Select((message, i) => new Readable(OutboxRows.MessageIdOf(row.MessageId, i, packed), message, type, row.PartitionKey, row.TraceParent))];
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or NotSupportedException)
        {
            log.LogError(e, "dropping unreadable outbox row {Sequence} ({MessageType}): {Body}", row.Sequence, row.MessageType, row.Body);
            return [];
        }
    }
}
