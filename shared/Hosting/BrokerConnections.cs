using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Apmatrix.Hosting;

/// <summary>
/// The sockets under this process's broker connections, so that a connection whose publishing channel no longer works
/// can be dropped while the connection itself looks healthy. Seen on the cluster after a node's loss: MassTransit 8.5
/// keeps a channel whose exchange declaration failed, and every later publish on it waits for ever; and RabbitMQ before
/// 4.2 can leave a channel's quorum-queue publishes unconfirmed for good after the queue's leader was lost mid-publish
/// (rabbitmq-server#14589). A dropped socket makes MassTransit open a new connection with new channels, consumers
/// included (what they had unacknowledged comes again).
/// </summary>
public sealed class BrokerConnections(ILogger<BrokerConnections> log, TimeProvider clock)
{
    readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    readonly Lock _gate = new();
    long? _droppedAt;
    long _opened;
    CancellationTokenSource _lost = new();
    bool _betweenConnections;

    /// <summary>How many connections this process has opened: a new one has new channels, with nothing declared on them yet.</summary>
    public long Opened => Interlocked.Read(ref _opened);

    /// <summary>
    /// Cancelled when the broker connection a publish started now goes out on is lost: RabbitMQ.Client 7.2 leaves a
    /// publish that was waiting for its confirm, or for its turn to send, on a channel of a lost connection waiting until
    /// its own token ends (rabbitmq-dotnet-client#1930: the channel's disposal drops the waiters), so a publish takes this
    /// token along and is given up as soon as its connection is gone. One started between a loss and the next connection
    /// may still be handed a channel of the lost one, so its token is cancelled when the next connection answers.
    /// </summary>
    public CancellationToken Lost
    {
        get
        {
            lock (_gate) return _lost.Token;
        }
    }

    /// <summary>False from a connection's loss until the next one answers.</summary>
    public bool Answering
    {
        get
        {
            lock (_gate) return !_betweenConnections;
        }
    }

    /// <summary>A connection's reader saw its end.</summary>
    internal void Lose()
    {
        lock (_gate) Renew(betweenConnections: true);
    }

    /// <summary>A connection's reader got its first bytes from the broker.</summary>
    internal void Reached()
    {
        lock (_gate)
            if (_betweenConnections) Renew(betweenConnections: false);
    }

    /// <summary>Cancels the publishes holding <see cref="Lost"/> now; those started after get a new token. Under the gate.</summary>
    void Renew(bool betweenConnections)
    {
        // Callbacks run on the thread pool, not on the connection's reader, which is what tells the channels of the loss.
        _ = _lost.CancelAsync();
        (_lost, _betweenConnections) = (new(), betweenConnections);
    }

    /// <summary>A new connection's socket; those of connections gone are forgotten now, which a reconnect is the time for.</summary>
    internal void Add(Socket socket)
    {
        foreach (var old in _sockets.Keys)
            if (old.SafeHandle.IsClosed) _sockets.TryRemove(old, out _);
        _sockets[socket] = 0;
        Interlocked.Increment(ref _opened);
    }

    /// <summary>
    /// Drops every broker connection, unless that was done less than <paramref name="calm"/> ago: a broker that is down
    /// or slow for everyone is not helped by new connections every few seconds. Returns the connections dropped.
    /// </summary>
    public int Drop(string why, TimeSpan calm)
    {
        var dropped = 0;
        lock (_gate)
        {
            if (_droppedAt is { } at && clock.GetElapsedTime(at) < calm) return 0;
            foreach (var socket in _sockets.Keys)
            {
                try
                {
                    // The connection's reader sees the end at once and MassTransit reconnects, as after a node's loss.
                    socket.Shutdown(SocketShutdown.Both);
                    dropped++;
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            }
            // None during an outage: no calm to keep, nothing to tell beyond what the failing work logs itself.
            if (dropped == 0) return 0;
            _droppedAt = clock.GetTimestamp();
        }
        log.LogWarning("dropped {Count} broker connection(s) so that new ones and new channels are opened: {Why}", dropped, why);
        return dropped;
    }
}
