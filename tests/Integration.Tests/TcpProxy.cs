using System.Net;
using System.Net.Sockets;

namespace Apmatrix.Integration.Tests;

/// <summary>
/// Forwards loopback TCP connections to a server, and can cut them or hold the server's answers: a test puts it between
/// a service and RabbitMQ or PostgreSQL to fail that server for the service alone, leaving the shared server and
/// everyone else's runs alone.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    readonly TcpListener _listener;
    readonly string _targetHost;
    readonly int _targetPort;
    readonly bool _amqp;
    readonly CancellationTokenSource _stop = new();
    readonly Lock _gate = new();
    readonly List<TcpClient> _open = [];
    readonly List<Link> _links = [];
    readonly Task _accepting;
    bool _cut;
    // Completed while the server's bytes flow to the clients; a fresh, pending one while they are held.
    TaskCompletionSource _flowing = Flowing();

    TcpProxy(string targetHost, int targetPort, bool amqp)
    {
        (_targetHost, _targetPort, _amqp) = (targetHost, targetPort, amqp);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <param name="amqp">Cut the server's bytes into AMQP frames, which <see cref="ConfirmNothing"/> needs.</param>
    public static Task<TcpProxy> StartAsync(string targetHost, int targetPort, bool amqp = false) =>
        Task.FromResult(new TcpProxy(targetHost, targetPort, amqp));

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Drops every connection and closes each new one at once, as a server that went away would.</summary>
    public void Cut()
    {
        lock (_gate)
        {
            _cut = true;
            CloseAll();
        }
    }

    /// <summary>
    /// Holds every byte the server sends (answers, publisher confirms, deliveries) while the connections stay up, as a
    /// broker that takes publishes and never confirms them would.
    /// </summary>
    public void Hold()
    {
        lock (_gate)
            if (_flowing.Task.IsCompleted) _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// From now on the connections open now get no publisher confirm (AMQP basic.ack and basic.nack frames are dropped),
    /// while everything else, heartbeats included, flows; new connections are left alone. A broker that stopped
    /// confirming on one channel while the connection looks healthy.
    /// </summary>
    public void ConfirmNothing()
    {
        if (!_amqp) throw new InvalidOperationException("ConfirmNothing needs a proxy started with amqp: true");
        lock (_gate)
            foreach (var link in _links) link.DropConfirms = true;
    }

    /// <summary>Ends a <see cref="Cut"/> or a <see cref="Hold"/>; held bytes go on to the clients.</summary>
    public void Restore()
    {
        lock (_gate)
        {
            _cut = false;
            _flowing.TrySetResult();
        }
    }

    static TaskCompletionSource Flowing()
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flowing.SetResult();
        return flowing;
    }

    async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = ForwardAsync(client);
        }
    }

    /// <summary>What the proxy does to one connection.</summary>
    sealed class Link
    {
        public volatile bool DropConfirms;
    }

    async Task ForwardAsync(TcpClient client)
    {
        var server = new TcpClient();
        var link = new Link();
        lock (_gate)
        {
            if (_cut)
            {
                Abort(client);
                return;
            }
            _open.Add(client);
            _open.Add(server);
            _links.Add(link);
        }
        try
        {
            await server.ConnectAsync(_targetHost, _targetPort, _stop.Token);
            await Task.WhenAny(PumpAsync(client, server, null), PumpAsync(server, client, link));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(client);
                _open.Remove(server);
                _links.Remove(link);
            }
            Abort(client);
            Abort(server);
        }
    }

    /// <summary>Copies one direction; <paramref name="link"/> is given for the server's direction.</summary>
    async Task PumpAsync(TcpClient from, TcpClient to, Link? link)
    {
        var buffer = new byte[16 * 1024];
        var source = from.GetStream();
        var target = to.GetStream();
        var frames = new AmqpFrames();
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (link is not null) await _flowing.Task.WaitAsync(_stop.Token);
                if (link is null || !_amqp)
                {
                    await target.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                    continue;
                }
                // Cut at frame boundaries from the start, so that confirms can be dropped from the first moment they are asked to be.
                foreach (var frame in frames.Split(buffer.AsMemory(0, read)))
                    if (!(link.DropConfirms && AmqpFrames.IsConfirm(frame.Span)))
                        await target.WriteAsync(frame, _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    void CloseAll()
    {
        foreach (var client in _open) Abort(client);
        _open.Clear();
    }

    /// <summary>A reset, not a graceful close: the peer sees the connection fail, as when a server dies.</summary>
    static void Abort(TcpClient client)
    {
        try
        {
            client.Client.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_gate) CloseAll();
        await _accepting;
        _stop.Dispose();
    }

    /// <summary>
    /// Cuts the server's bytes into AMQP 0-9-1 frames: a type byte, a channel (2 bytes), a payload size (4 bytes, big
    /// endian), the payload and an end byte. A frame split across reads is kept until its rest arrives.
    /// </summary>
    sealed class AmqpFrames
    {
        byte[] _pending = [];

        public List<ReadOnlyMemory<byte>> Split(ReadOnlyMemory<byte> read)
        {
            var bytes = _pending.Length == 0 ? read.ToArray() : [.. _pending, .. read.Span];
            var frames = new List<ReadOnlyMemory<byte>>();
            var at = 0;
            while (bytes.Length - at >= 7)
            {
                // AMQP's frame_max keeps a payload far below 2 GB; a larger size is not AMQP.
                var size = 8 + checked((int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at + 3, 4)));
                if (bytes.Length - at < size) break;
                frames.Add(bytes.AsMemory(at, size));
                at += size;
            }
            _pending = bytes[at..];
            return frames;
        }

        /// <summary>A method frame of basic.ack (class 60, method 80) or basic.nack (60, 120): a publisher confirm, from the server.</summary>
        public static bool IsConfirm(ReadOnlySpan<byte> frame) =>
            frame.Length >= 11 && frame[0] == 1 && frame[7] == 0 && frame[8] == 60 && frame[9] == 0 && frame[10] is 80 or 120;
    }
}
