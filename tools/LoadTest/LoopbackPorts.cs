using System.Net;
using System.Net.Sockets;

namespace Apmatrix.LoadTest;

/// <summary>
/// Free loopback ports for a stack's instances, none handed out twice: a port is chosen before its instance listens
/// (ApBus's before VfioAp starts, since VfioAp must know it), and the kernel may offer a closed-again port once more.
/// Once it did, VfioAp-1 and ApBus-1 were given the same port, and ApBus's readiness check was answered by VfioAp.
/// </summary>
public sealed class LoopbackPorts
{
    readonly HashSet<int> _given = [];

    public Uri Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (_given)
                if (_given.Add(port))
                    return new Uri($"http://127.0.0.1:{port}");
        }
    }
}
