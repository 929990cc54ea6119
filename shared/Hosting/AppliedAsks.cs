namespace Apmatrix.Hosting;

/// <summary>VfioAp's <c>GET /applied</c>, which ApBus asks for every host it holds back at once.</summary>
public static class AppliedAsks
{
    /// <summary>The most hosts one ask names: 64 names of 64 characters keep its query well inside Kestrel's 8 KB request line.</summary>
    public const int MaxHosts = 64;

    /// <summary>The query string of each ask for <paramref name="hosts"/>, at most <see cref="MaxHosts"/> a request.</summary>
    public static IEnumerable<string> Queries(IEnumerable<string> hosts) =>
        hosts.Chunk(MaxHosts).Select(chunk => string.Join('&', chunk.Select(h => "host=" + Uri.EscapeDataString(h))));
}
