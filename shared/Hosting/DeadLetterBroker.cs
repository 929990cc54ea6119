using Microsoft.Extensions.Configuration;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Apmatrix.Hosting;

/// <summary>
/// Reads and re-drives this service's dead letters on the broker, as the service's own broker user, over one
/// connection per request. A read takes the oldest messages without acknowledging them and returns them all at once,
/// which puts them back where they were: a classic queue keeps their places, a quorum queue delivers returned messages
/// first, in the order returned, but counts each read as a delivery (<see cref="NearLimit"/>). A re-drive publishes each message to its own
/// receive queue's exchange with a publisher confirm before it acknowledges the dead-letter copy: a crash in between
/// duplicates, never loses, and the consumers drop duplicates by sequence (bus events) and version (APCB updates).
/// </summary>
public sealed class DeadLetterBroker(IConfiguration configuration, BrokerTopology topology, DeadLetterQueues queues)
{
    static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    readonly Uri _broker = new(configuration.GetConnectionString("RabbitMq") ?? throw new InvalidOperationException("ConnectionStrings:RabbitMq is not set"));

    // Within an instance one operation at a time, so a read's borrowed messages never let a re-drive take later ones first.
    readonly SemaphoreSlim _one = new(1, 1);

    /// <summary>
    /// Makes each dead-letter queue MassTransit would make on its first move, as it makes it (<see cref="DeadLetterQueues.MadeBy"/>),
    /// so a read never asks for a queue that is not there: each such ask is an error line in the broker's log.
    /// </summary>
    public Task MakeQueuesAsync(CancellationToken cancellationToken) =>
        RunAsync(async session =>
        {
            foreach (var queue in queues.All)
                if (queues.MadeBy(queue) is { } made) await session.MakeAsync(made);
            return true;
        }, cancellationToken);

    /// <summary>Each dead-letter queue of this service and its message count (0 for one the broker does not have).</summary>
    public Task<IReadOnlyList<(string Queue, uint Messages)>> CountAsync(CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<(string, uint)>>(async session =>
        {
            var counts = new List<(string, uint)>();
            foreach (var queue in queues.All) counts.Add((queue, await session.CountAsync(queue) ?? 0));
            return counts;
        }, cancellationToken);

    /// <summary>
    /// The oldest <paramref name="count"/> messages of <paramref name="queue"/>, left in place and in order (but for a copy
    /// one look from its delivery limit, which goes to the tail), and the queue's count.
    /// </summary>
    public Task<(uint Messages, IReadOnlyList<DeadLetterMessage> Oldest)> PeekAsync(string queue, int count, CancellationToken cancellationToken) =>
        RunAsync<(uint, IReadOnlyList<DeadLetterMessage>)>(async session =>
        {
            var oldest = new List<DeadLetterMessage>();
            if (await session.CountAsync(queue) is not { } total) return (0u, oldest);
            var unacked = new SortedSet<ulong>();
            try
            {
                var nearLimit = new List<BasicGetResult>();
                while (oldest.Count < count && await session.Channel.BasicGetAsync(queue, autoAck: false, session.Cancellation) is { } message)
                {
                    unacked.Add(message.DeliveryTag);
                    oldest.Add(DeadLetterMessage.From(message.BasicProperties, message.Body, HomeOf(queue, message.BasicProperties)));
                    if (NearLimit(queue, message.BasicProperties)) nearLimit.Add(message);
                }
                // Its next return would take it over the limit to the shared queue, where it would lose its publisher.
                foreach (var message in nearLimit)
                {
                    await session.Channel.BasicPublishAsync(queue, message.RoutingKey, mandatory: true, Republished(message.BasicProperties), message.Body,
                        session.Cancellation);
                    await session.Channel.BasicAckAsync(message.DeliveryTag, multiple: false, session.Cancellation);
                    unacked.Remove(message.DeliveryTag);
                }
            }
            finally
            {
                // One return for all the rest, in delivery order, up to the last unacknowledged (a tag acknowledged already
                // would close the channel); a connection lost first returns them just the same.
                if (unacked.Count > 0 && session.Channel.IsOpen)
                    await session.Channel.BasicNackAsync(unacked.Max, multiple: true, requeue: true, session.Cancellation);
            }
            return (total, oldest);
        }, cancellationToken);

    /// <summary>
    /// Moves the oldest <paramref name="count"/> messages (when null, all there at the start up to
    /// <see cref="DeadLetterEndpoints.MaxRedriven"/>) back to their own queues, one at a time. On the shared
    /// <c>dead-letters</c> queue another service's messages are passed over: held unacknowledged until the run ends and
    /// then returned together, in their order, so neither service's dead letters wait behind the other's.
    /// </summary>
    public Task<(int Moved, uint Remaining)> RedriveAsync(string queue, int? count, CancellationToken cancellationToken) =>
        RunAsync(async session =>
        {
            if (await session.CountAsync(queue) is not { } total) return (0, 0u);
            var limit = count ?? (int)Math.Min(total, DeadLetterEndpoints.MaxRedriven);
            var (moved, seen, passed) = (0, 0u, 0u);
            ulong passedOver = 0;
            try
            {
                while (moved < limit && seen < total && await session.Channel.BasicGetAsync(queue, autoAck: false, session.Cancellation) is { } message)
                {
                    seen++;
                    if (HomeOf(queue, message.BasicProperties) is not { } home)
                    {
                        (passedOver, passed) = (message.DeliveryTag, passed + 1);
                        continue;
                    }
                    // Confirmed (the channel tracks confirms) before the copy is acknowledged; a failure closes the connection, which returns the copy.
                    var redriven = Redriven(message.BasicProperties, Publishers.User(_broker), queues.IsShared(queue));
                    await session.Channel.BasicPublishAsync(home, message.RoutingKey, mandatory: true, redriven, message.Body, session.Cancellation);
                    await session.Channel.BasicAckAsync(message.DeliveryTag, multiple: false, session.Cancellation);
                    moved++;
                }
            }
            finally
            {
                // Only the passed-over ones are still unacknowledged: one return for all of them.
                if (passedOver > 0 && session.Channel.IsOpen)
                    await session.Channel.BasicNackAsync(passedOver, multiple: true, requeue: true, session.Cancellation);
            }
            // A quorum queue counts what it was handed back only once its log has it: the passed-over ones are there all the same.
            return (moved, Math.Max(await session.CountAsync(queue) ?? 0, passed));
        }, cancellationToken);

    /// <summary>
    /// A quorum queue counts every look as a delivery and an <c>_error</c> queue has its queue's delivery limit: a copy
    /// one look from it is published again (to the queue's own exchange, at its tail) as a fresh delivery. The broker
    /// dead-letters only past the limit, so a publish that fails here still leaves the copy one return to spare; one whose
    /// acknowledgement is lost after its confirm leaves two copies, which a re-drive delivers twice and the consumer drops once.
    /// </summary>
    bool NearLimit(string queue, IReadOnlyBasicProperties properties) =>
        topology.QuorumQueues && !queues.IsShared(queue) && DeadLetterMessage.DeliveryCountOf(properties.Headers) + 1 >= topology.DeliveryLimit;

    /// <summary>The copy as this service's move wrote it: no <c>user_id</c>, its publisher header kept, the broker's count dropped.</summary>
    static BasicProperties Republished(IReadOnlyBasicProperties looked)
    {
        var headers = new Dictionary<string, object?>(looked.Headers ?? new Dictionary<string, object?>());
        headers.Remove(DeadLetterMessage.DeliveryCountHeader);
        var properties = new BasicProperties(looked) { Headers = headers };
        properties.ClearUserId();
        return properties;
    }

    string? HomeOf(string queue, IReadOnlyBasicProperties properties) =>
        queues.HomeOf(queues.IsShared(queue) ? DeadLetterMessage.Header(properties.Headers, DeadLetterMessage.FirstDeathQueue) ?? "" : queue);

    /// <summary>
    /// The message as it was before it died, sent by this service (<paramref name="self"/>): MassTransit's and the broker's
    /// death headers dropped (a new fault writes its own), and its publisher kept in <see cref="Publishers.Header"/>, since
    /// RabbitMQ lets a connection stamp only its own user as <c>user_id</c>; <see cref="PublisherCheckFilter{TMessage}"/>
    /// takes it from there. Only a <c>user_id</c> RabbitMQ validated, or a header this service wrote, names the publisher:
    /// the header of an unstamped message in the <paramref name="shared"/> dead-letter queue, which another service may
    /// write to, is dropped.
    /// </summary>
    public static BasicProperties Redriven(IReadOnlyBasicProperties died, string self, bool shared)
    {
        var headers = new Dictionary<string, object?>();
        foreach (var (name, value) in died.Headers ?? new Dictionary<string, object?>())
            if (!IsDeathHeader(name)) headers[name] = value;
        Publishers.Record(headers, died, self, headerTrusted: !shared);
        return new BasicProperties(died) { Headers = headers, UserId = self };
    }

    static bool IsDeathHeader(string name) =>
        name == DeadLetterMessage.ReasonHeader || name == DeadLetterMessage.DeliveryCountHeader || name == "x-death"
        || name.StartsWith(DeadLetterMessage.FaultPrefix, StringComparison.Ordinal)
        || name.StartsWith("x-first-death-", StringComparison.Ordinal) || name.StartsWith("x-last-death-", StringComparison.Ordinal);

    async Task<T> RunAsync<T>(Func<Session, Task<T>> work, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CallTimeout);
        await _one.WaitAsync(timeout.Token);
        try
        {
            await using var connection = await topology.ConnectAsync(_broker, "apmatrix-dead-letters", timeout.Token);
            await using var session = new Session(connection, timeout.Token);
            return await work(session);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsBrokerFault(e))
        {
            throw new DeadLetterBrokerException(e);
        }
        finally
        {
            _one.Release();
        }
    }

    static bool IsBrokerFault(Exception e) =>
        e is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or PublishException
            or IOException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException;

    /// <summary>A channel with publisher confirms on one connection; a refused declaration, which closes it, opens the next.</summary>
    sealed class Session(IConnection connection, CancellationToken cancellation) : IAsyncDisposable
    {
        IChannel? _channel;

        public CancellationToken Cancellation => cancellation;

        public IChannel Channel => _channel ?? throw new InvalidOperationException("no channel open");

        /// <summary>The queue's message count; null for a queue the broker does not have.</summary>
        public async Task<uint?> CountAsync(string queue)
        {
            await OpenAsync();
            return await UnlessRefusedAsync(Channel.QueueDeclarePassiveAsync(queue, cancellation), Constants.NotFound) is { } ok ? ok.MessageCount : null;
        }

        /// <summary>The exchange, queue and binding; a queue there with other arguments (an older version's) is left as it is.</summary>
        public async Task MakeAsync(MassTransit.RabbitMqTransport.Topology.BrokerTopology topology)
        {
            await OpenAsync();
            foreach (var exchange in topology.Exchanges)
                await Channel.ExchangeDeclareAsync(exchange.ExchangeName, exchange.ExchangeType, exchange.Durable, exchange.AutoDelete,
                    exchange.ExchangeArguments!, cancellationToken: cancellation);
            foreach (var queue in topology.Queues)
                if (await UnlessRefusedAsync(Channel.QueueDeclareAsync(queue.QueueName, queue.Durable, queue.Exclusive, queue.AutoDelete,
                        queue.QueueArguments!, cancellationToken: cancellation), Constants.PreconditionFailed) is null) return;
            foreach (var binding in topology.QueueBindings)
                await Channel.QueueBindAsync(binding.Destination.QueueName, binding.Source.ExchangeName, binding.RoutingKey, binding.Arguments!,
                    cancellationToken: cancellation);
        }

        /// <summary>The answer, or null when the broker refused it with <paramref name="code"/> (and closed the channel, opened again here).</summary>
        async Task<T?> UnlessRefusedAsync<T>(Task<T> call, int code) where T : class
        {
            try
            {
                return await call;
            }
            catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == code)
            {
                await _channel!.DisposeAsync();
                _channel = null;
                await OpenAsync();
                return null;
            }
        }

        async Task OpenAsync()
        {
            if (_channel is { IsOpen: true }) return;
            _channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellation);
        }

        public async ValueTask DisposeAsync()
        {
            if (_channel is not null) await _channel.DisposeAsync();
        }
    }
}

/// <summary>The broker did not answer, or refused, a dead-letter request: a 503, never a 500.</summary>
public sealed class DeadLetterBrokerException(Exception inner) : Exception($"the broker: {inner.Message}", inner);
