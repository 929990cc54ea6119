using System.Collections.Concurrent;
using System.Text.Json;
using Apmatrix.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Apmatrix.Hosting;

/// <summary>A message committed with the state change that caused it, published after commit by <see cref="OutboxDispatcher{TContext}"/>.</summary>
public sealed class OutboxMessage
{
    public long Sequence { get; set; }
    public Guid MessageId { get; set; }
    public required string MessageType { get; set; }
    public required string Body { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// The transactional outbox (MassTransit's EF outbox package is not available to us): rows are written
/// by binary COPY inside the caller's transaction, so one row or 65,536 cost one round trip.
/// </summary>
public static class Outbox
{
    const string Table = "outbox_messages";

    public static ModelBuilder AddOutbox(this ModelBuilder model)
    {
        model.Entity<OutboxMessage>(e =>
        {
            e.ToTable(Table);
            e.HasKey(m => m.Sequence);
            e.Property(m => m.Sequence).HasColumnName("sequence").UseIdentityAlwaysColumn();
            e.Property(m => m.MessageId).HasColumnName("message_id");
            e.Property(m => m.MessageType).HasColumnName("message_type");
            e.Property(m => m.Body).HasColumnName("body").HasColumnType("jsonb");
            e.Property(m => m.CreatedAt).HasColumnName("created_at").HasDefaultValueSql("now()");
        });
        return model;
    }

    /// <summary>Writes the messages in order within the context's current transaction (the caller commits).</summary>
    public static async Task EnqueueAsync<T>(this DbContext db, IReadOnlyCollection<T> messages, CancellationToken cancellationToken)
        where T : class
    {
        if (messages.Count == 0) return;
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("the outbox is written inside the transaction of the state change");
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var copy = await connection.BeginBinaryImportAsync(
            $"COPY {Table} (message_id, message_type, body) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var message in messages)
        {
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(NewId.NextGuid(), NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(message.GetType().FullName!, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(JsonSerializer.Serialize(message, message.GetType(), Wire.Options), NpgsqlDbType.Jsonb, cancellationToken);
        }
        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>Adds the dispatcher for <typeparamref name="TContext"/>'s outbox and the signal that wakes it after a commit.</summary>
    public static IServiceCollection AddOutboxDispatcher<TContext>(this IServiceCollection services) where TContext : DbContext
    {
        services.AddSingleton<OutboxSignal>();
        services.AddHostedService<OutboxDispatcher<TContext>>();
        return services;
    }
}

/// <summary>JSON options for outbox bodies: the same wire form MassTransit's serializer gives the contracts.</summary>
public static class Wire
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    // Looked up once per name: the dispatcher asks for every row.
    static readonly ConcurrentDictionary<string, Type?> Contracts = new();

    public static Type ContractType(string name) =>
        Contracts.GetOrAdd(name, n => typeof(ApplyApcb).Assembly.GetType(n, throwOnError: false))
        ?? throw new InvalidOperationException($"outbox row names unknown message type {name}");
}

/// <summary>Lets a committer wake the dispatcher at once instead of at its next poll.</summary>
public sealed class OutboxSignal
{
    readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        if (_signal.CurrentCount == 0)
            try { _signal.Release(); }
            catch (SemaphoreFullException) { }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// Publishes committed outbox rows in sequence order and deletes them in the same transaction. Rows are
/// claimed with SKIP LOCKED, so any number of instances can dispatch; a crash before commit re-sends
/// the batch with the same message ids, which consumers deduplicate by their own keys.
/// </summary>
public sealed class OutboxDispatcher<TContext>(IServiceScopeFactory scopes, IBus bus, OutboxSignal signal,
    ILogger<OutboxDispatcher<TContext>> log) : BackgroundService where TContext : DbContext
{
    const int BatchSize = 1000;
    static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await DispatchAsync(stoppingToken) < BatchSize) await signal.WaitAsync(IdlePoll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogWarning(e, "outbox dispatch failed; retrying in a second");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    async Task<int> DispatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var rows = await db.Set<OutboxMessage>()
            .FromSql($"SELECT * FROM outbox_messages ORDER BY sequence LIMIT {BatchSize} FOR UPDATE SKIP LOCKED")
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        if (rows.Count == 0) return 0;
        await PublishInOrderAsync(rows, cancellationToken);
        var sequences = rows.Select(r => r.Sequence).ToArray();
        await db.Set<OutboxMessage>().Where(m => sequences.Contains(m.Sequence)).ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }

    /// <summary>
    /// Publishes each run of one message type after the run before it has been confirmed, a run's messages together:
    /// one channel keeps them in the order sent, so subscribers of several types see the rows' order. The first message
    /// of a type this process has not published yet goes alone: its exchange still needs declaring, which would let
    /// later sends overtake it.
    /// </summary>
    async Task PublishInOrderAsync(List<OutboxMessage> rows, CancellationToken cancellationToken)
    {
        var messages = rows.Select(Read).OfType<Readable>().ToList();
        for (var start = 0; start < messages.Count;)
        {
            var (type, end) = (messages[start].Type, start + 1);
            while (end < messages.Count && messages[end].Type == type) end++;
            if (!_published.Contains(type))
            {
                await Publish(messages[start++]);
                _published.Add(type);
            }
            await Task.WhenAll(messages[start..end].Select(Publish));
            start = end;
        }

        Task Publish(Readable m) =>
            bus.Publish(m.Message, m.Type, Pipe.Execute<PublishContext>(context => context.MessageId = m.MessageId), cancellationToken);
    }

    // Touched only by the dispatch loop, one batch at a time.
    readonly HashSet<Type> _published = [];

    sealed record Readable(Guid MessageId, object Message, Type Type);

    /// <summary>A row no contract can read would block every row after it, so it is logged whole and dropped.</summary>
    Readable? Read(OutboxMessage row)
    {
        try
        {
            var type = Wire.ContractType(row.MessageType);
            return new Readable(row.MessageId, JsonSerializer.Deserialize(row.Body, type, Wire.Options)!, type);
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or NotSupportedException)
        {
            log.LogError(e, "dropping unreadable outbox row {Sequence} ({MessageType}): {Body}", row.Sequence, row.MessageType, row.Body);
            return null;
        }
    }
}
