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
    readonly CancellationTokenSource _stop = new();
    readonly Lock _gate = new();
    readonly List<TcpClient> _open = [];
    readonly Task _accepting;
    bool _cut;
    // Completed while the server's bytes flow to the clients; a fresh, pending one while they are held.
    TaskCompletionSource _flowing = Flowing();

    TcpProxy(string targetHost, int targetPort)
    {
        (_targetHost, _targetPort) = (targetHost, targetPort);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public static Task<TcpProxy> StartAsync(string targetHost, int targetPort) => Task.FromResult(new TcpProxy(targetHost, targetPort));

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

    async Task ForwardAsync(TcpClient client)
    {
        var server = new TcpClient();
        lock (_gate)
        {
            if (_cut)
            {
                Abort(client);
                return;
            }
            _open.Add(client);
            _open.Add(server);
        }
        try
        {
            await server.ConnectAsync(_targetHost, _targetPort, _stop.Token);
            await Task.WhenAny(PumpAsync(client, server, fromServer: false), PumpAsync(server, client, fromServer: true));
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
            }
            Abort(client);
            Abort(server);
        }
    }

    async Task PumpAsync(TcpClient from, TcpClient to, bool fromServer)
    {
        var buffer = new byte[16 * 1024];
        var source = from.GetStream();
        var target = to.GetStream();
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (fromServer) await _flowing.Task.WaitAsync(_stop.Token);
                await target.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
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
}
