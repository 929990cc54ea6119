using System.Net;
using System.Net.Sockets;
using Apmatrix.Hosting;

namespace Apmatrix.Services.Tests.Hosting;

/// <summary>The broker socket after its peer has gone: writes neither fail nor block, and the reader sees the end.</summary>
public class BrokerSocketTests
{
    [Fact]
    public async Task Writes_after_the_peer_reset_the_connection_are_dropped_and_the_reader_sees_the_end()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new BrokerSocket(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
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
