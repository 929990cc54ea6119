using System.Net;
using System.Net.Sockets;
using Apmatrix.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>
/// The broker socket after its peer has gone: writes neither fail nor block, and the reader sees the end. Dropped on
/// purpose: the reader sees the end too, and a second drop soon after does nothing.
/// </summary>
public class BrokerSocketTests
{
    readonly ManualClock _clock = new();
    readonly BrokerConnections _connections;

    public BrokerSocketTests() => _connections = new(NullLogger<BrokerConnections>.Instance, _clock);

    [Fact]
    public async Task Writes_after_the_peer_reset_the_connection_are_dropped_and_the_reader_sees_the_end()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new BrokerSocket(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), _connections);
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using (var peer = await listener.AcceptSocketAsync())
        {
            peer.LingerState = new LingerOption(true, 0);
            peer.Close();
        }
        var stream = client.GetStream();
        var frame = new byte[64 * 1024];

        // Enough writes that the reset must surface in one of them; none may throw.
        for (var i = 0; i < 200; i++) await stream.WriteAsync(frame.AsMemory());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var read = await ReadOrFailAsync(stream, timeout.Token);

        Assert.Equal(0, read);
    }

    [Fact]
    public async Task Dropping_the_connections_ends_each_ones_reader_once_per_calm_period()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var first = new BrokerSocket(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), _connections);
        await first.ConnectAsync(IPAddress.Loopback, port);
        using var firstPeer = await listener.AcceptSocketAsync();
        // Taken at connect, as RabbitMQ.Client does: a socket shut down has no stream to give.
        var firstStream = first.GetStream();
        var calm = TimeSpan.FromSeconds(30);

        Assert.Equal(1, _connections.Drop("a test", calm));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.Equal(0, await ReadOrFailAsync(firstStream, timeout.Token));

        // The reconnect: a new socket; the old one, closed, is not dropped again.
        first.Close();
        using var second = new BrokerSocket(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), _connections);
        await second.ConnectAsync(IPAddress.Loopback, port);
        using var secondPeer = await listener.AcceptSocketAsync();
        var secondStream = second.GetStream();
        _clock.Advance(calm - TimeSpan.FromSeconds(1));
        Assert.Equal(0, _connections.Drop("too soon", calm));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, _connections.Drop("calm over", calm));
        Assert.Equal(0, await ReadOrFailAsync(secondStream, timeout.Token));
    }

    /// <summary>A read on a connection that is gone: 0 (the end) or a reset, both an end the reader reports.</summary>
    static async Task<int> ReadOrFailAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.ReadAsync(new byte[16], cancellationToken);
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
