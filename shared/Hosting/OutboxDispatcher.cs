using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

/// <summary>
/// Publishes committed outbox rows in sequence order and deletes them in the same transaction. Rows are
/// claimed with SKIP LOCKED, so any number of instances can dispatch; a crash before commit re-sends
/// the batch with the same message ids, which consumers deduplicate by their own keys. A batch that cannot be
/// published within <see cref="MessagingOptions.PublishTimeout"/> rolls back, its rows stay, and it is tried again
/// after a back-off, so a broker or database outage costs time, never rows.
/// </summary>
public sealed class OutboxDispatcher<TContext>(IServiceScopeFactory scopes, IBus bus, OutboxSignal signal,
    IOptions<MessagingOptions> options, ILogger<OutboxDispatcher<TContext>> log) : BackgroundService where TContext : DbContext
{
    static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(250);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var outage = new Outage(log, "publishing the outbox");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var dispatched = await DispatchAsync(stoppingToken);
                outage.Succeeded();
                if (dispatched < options.Value.OutboxBatchSize) await signal.WaitAsync(IdlePoll, stoppingToken);
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

    async Task<int> DispatchAsync(CancellationToken stoppingToken)
    {
        // Publisher confirms can wait forever on a connection that died under them: the timeout is what ends the wait.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(options.Value.PublishTimeout);
        var cancellationToken = timeout.Token;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var rows = await db.Set<OutboxMessage>()
            .FromSql($"SELECT * FROM outbox_messages ORDER BY sequence LIMIT {options.Value.OutboxBatchSize} FOR UPDATE SKIP LOCKED")
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
