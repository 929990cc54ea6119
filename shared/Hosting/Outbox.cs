using System.Diagnostics;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Apmatrix.Hosting;

/// <summary>
/// The transactional outbox (MassTransit's EF outbox package is not available to us): rows are written inside the
/// caller's transaction, a few by one INSERT, many by binary COPY.
/// </summary>
public static class Outbox
{
    const string Table = "outbox_messages";

    /// <summary>
    /// Up to this many rows go in one INSERT, more by COPY: COPY waits for the server to accept it before the rows go, a
    /// second round trip that only pays off for many rows, and a small change's one round trip less is a wait less on its hops.
    /// </summary>
    const int InsertedRows = 64;

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
            e.Property(m => m.PartitionKey).HasColumnName("partition_key").HasDefaultValue("");
            e.Property(m => m.TraceParent).HasColumnName("trace_parent");
            e.HasIndex(m => new { m.PartitionKey, m.Sequence });
        });
        return model;
    }

    /// <summary>
    /// Writes the messages in order within the context's current transaction (the caller commits); each is published
    /// with its <paramref name="partitionOf"/> (its host) as routing key, in order among the messages of that key. Up to
    /// <paramref name="perRow"/> consecutive messages of one type and key share a row (<see cref="OutboxRows"/>).
    /// </summary>
    public static Task EnqueueAsync<T>(this DbContext db, IReadOnlyCollection<T> messages, Func<T, string> partitionOf,
        CancellationToken cancellationToken, int perRow = 1) where T : class =>
        db.EnqueueAsync(new WriteBatch(), messages, partitionOf, cancellationToken, perRow);

    /// <summary>
    /// As above, after the statements of <paramref name="writes"/>, which it sends: a few rows go in the same round trip,
    /// more by COPY after it.
    /// </summary>
    public static async Task EnqueueAsync<T>(this DbContext db, WriteBatch writes, IReadOnlyCollection<T> messages, Func<T, string> partitionOf,
        CancellationToken cancellationToken, int perRow = 1) where T : class
    {
        if (db.Database.CurrentTransaction is null)
            throw new InvalidOperationException("the outbox is written inside the transaction of the state change");
        // What caused these rows (the request, the consumed message): the dispatcher publishes each as its child. An
        // activity no tracer listens to (ASP.NET Core makes one regardless) decides nothing for the services downstream.
        var traceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } cause && cause.Source.HasListeners() ? cause.Id : null;
        var rows = OutboxRows.Pack(messages, partitionOf, perRow);
        if (rows.Count <= InsertedRows)
        {
            if (rows.Count > 0)
                writes.Add($"""
                    INSERT INTO {Table} (message_id, message_type, body, partition_key, trace_parent)
                    SELECT id, type, body::jsonb, key, @trace FROM unnest(@ids, @types, @bodies, @keys) WITH ORDINALITY AS r(id, type, body, key, n) ORDER BY n
                    """,
                    SqlArrays.Uuids("ids", rows.Select(_ => NewId.NextGuid())), SqlArrays.Texts("types", rows.Select(r => r.Type)),
                    SqlArrays.Texts("bodies", rows.Select(r => r.Body)), SqlArrays.Texts("keys", rows.Select(r => r.Key)),
                    new NpgsqlParameter("trace", NpgsqlDbType.Text) { Value = (object?)traceParent ?? DBNull.Value });
            await writes.ExecuteAsync(db, cancellationToken);
            return;
        }
        await writes.ExecuteAsync(db, cancellationToken);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var copy = await connection.BeginBinaryImportAsync(
            $"COPY {Table} (message_id, message_type, body, partition_key, trace_parent) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var row in rows)
        {
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(NewId.NextGuid(), NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(row.Type, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(row.Body, NpgsqlDbType.Jsonb, cancellationToken);
            await copy.WriteAsync(row.Key, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteTextOrNullAsync(traceParent, cancellationToken);
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
