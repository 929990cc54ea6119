using System.Security.Cryptography;
using System.Text;

namespace Apmatrix.Hosting;

/// <summary>API keys: how a client presents one, how one is made, and the SHA-256 a service holds instead of the key.</summary>
public static class ApiKeys
{
    /// <summary>The scheme of <c>Authorization: ApiKey {key}</c>, and the challenge's <c>WWW-Authenticate</c>.</summary>
    public const string Scheme = "ApiKey";

    public const string Header = "X-Api-Key";

    /// <summary>A new random key: 32 bytes in hex.</summary>
    public static string NewKey() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static byte[] Sha256(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>What <c>Auth:Clients:{name}:KeySha256</c> holds for <paramref name="key"/>, as <c>sha256sum</c> prints it.</summary>
    public static string Sha256Hex(string key) => Convert.ToHexStringLower(Sha256(key));
}
