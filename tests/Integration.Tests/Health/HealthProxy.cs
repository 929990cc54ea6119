using System.Net;
using System.Net.Sockets;

namespace Apmatrix.Integration.Tests.Health;

/// <summary>
/// A loopback TCP proxy between one service and a shared server, so a test can take the server away from that service
/// alone: <see cref="Cut"/> drops every connection and refuses new ones until <see cref="Restore"/>.
/// </summary>
public sealed class HealthProxy : IAsyncDisposable
{
    readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    readonly string _host;
    readonly int _port;
    readonly CancellationTokenSource _stop = new();
    readonly List<TcpClient> _open = [];
    Task _accepting = Task.CompletedTask;
    volatile bool _cut;

    HealthProxy(string host, int port) => (_host, _port) = (host, port);

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static Task<HealthProxy> StartAsync(string host, int port)
    {
        var proxy = new HealthProxy(host, port);
        proxy._listener.Start();
        proxy._accepting = proxy.AcceptAsync();
        return Task.FromResult(proxy);
    }

    public void Cut()
    {
        _cut = true;
        lock (_open)
        {
            foreach (var client in _open) client.Dispose();
            _open.Clear();
        }
    }

    public void Restore() => _cut = false;

    async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            if (_cut)
            {
                client.Dispose();
                continue;
            }
            _ = RelayAsync(client);
        }
    }

    async Task RelayAsync(TcpClient client)
    {
        var server = new TcpClient();
        lock (_open) _open.AddRange([client, server]);
        try
        {
            await server.ConnectAsync(_host, _port, _stop.Token);
            var a = client.GetStream();
            var b = server.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
        }
        catch (Exception)
        {
            // A cut or a closed side ends the relay; both sockets are closed below.
        }
        finally
        {
            client.Dispose();
            server.Dispose();
            lock (_open) _open.RemoveAll(c => c == client || c == server);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting;
        _stop.Dispose();
    }
}
