using System.Net.Sockets;
using MassTransit;
using RabbitMQ.Client;

namespace Apmatrix.Hosting;

/// <summary>
/// The socket under each broker connection. RabbitMQ.Client 7.2's write loop stops at the first failed write and leaves
/// its bounded queue of outgoing frames full for good (rabbitmq-dotnet-client#1930): every later ack or publish on that
/// connection waits forever, and so does the connection's shutdown, which tells its channels one after another, so the
/// receive endpoints whose channels come after a busy one never learn they died and stay without a consumer. Here a
/// failed write shuts the socket and drops the bytes: the queue keeps draining and the reader reports the loss at once.
/// Each is known to <see cref="BrokerConnections"/> while it lives.
/// </summary>
public sealed class BrokerSocket : TcpClientAdapter
{
    /// <summary>Every connection MassTransit opens to <paramref name="host"/> goes through a <see cref="BrokerSocket"/>.</summary>
    public static void Use(IRabbitMqHostConfigurator host, BrokerConnections connections) =>
        host.OnRefreshConnectionFactory = factory =>
        {
            factory.SocketFactory = family => new BrokerSocket(new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }, connections);
            return Task.CompletedTask;
        };

    readonly BrokerConnections _connections;

    public BrokerSocket(Socket socket, BrokerConnections connections) : base(socket)
    {
        _connections = connections;
        connections.Add(socket);
    }

    public override NetworkStream GetStream() => new DrainingStream(Client, _connections);

    /// <summary>
    /// A stream whose writes, once one has failed, go nowhere instead of failing, and whose reader tells
    /// <see cref="BrokerConnections"/> when the broker first answers and when the connection ends.
    /// </summary>
    sealed class DrainingStream(Socket socket, BrokerConnections connections) : NetworkStream(socket)
    {
        volatile bool _broken;
        // The connection's one reader is all that touches these.
        bool _reached, _ended;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                var read = await base.ReadAsync(buffer, cancellationToken);
                if (read == 0 && buffer.Length > 0) Ended();
                else if (read > 0 && !_reached)
                {
                    _reached = true;
                    connections.Reached();
                }
                return read;
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                Ended();
                throw;
            }
        }

        void Ended()
        {
            if (_ended) return;
            _ended = true;
            connections.Lose();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_broken) return;
            try
            {
                await base.WriteAsync(buffer, cancellationToken);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                Break();
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_broken) return;
            try
            {
                base.Write(buffer);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                Break();
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        void Break()
        {
            _broken = true;
            try
            {
                // The reader, blocked on a socket that may stay silent, sees the end now rather than after the heartbeat.
                Socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
