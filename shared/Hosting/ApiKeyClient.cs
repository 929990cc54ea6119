namespace Apmatrix.Hosting;

/// <summary>
/// One API client a service admits: <c>Auth:Clients:{name}:KeySha256</c> (hex SHA-256 of its key) and <c>:Role</c>. While its key
/// is rotated, <c>KeySha256</c> lists the new key's hash first and the old one's after it, comma-separated: both are admitted.
/// </summary>
public sealed class ApiKeyClient
{
    public string KeySha256 { get; set; } = "";
    public string Role { get; set; } = "";

    /// <summary>The hashes <see cref="KeySha256"/> lists, the current key's first; an empty entry stays, for validation to name.</summary>
    public string[] Hashes() => KeySha256.Split(',', StringSplitOptions.TrimEntries);
}
