using Apmatrix.LoadTest;

namespace Apmatrix.Tools.Tests;

/// <summary>A stack's instances never share a port, though the kernel offers a closed port again (about 1 in 15 picks here).</summary>
public class LoopbackPortsTests
{
    [Fact]
    public void Should_never_hand_out_a_port_twice()
    {
        var ports = new LoopbackPorts();

        var urls = Enumerable.Range(0, 2000).Select(_ => ports.Next()).ToList();

        Assert.Equal(urls.Count, urls.Distinct().Count());
        Assert.All(urls, url => Assert.Equal("127.0.0.1", url.Host));
    }
}
