namespace Apmatrix.Hosting;

/// <summary>One API client a service admits: <c>Auth:Clients:{name}:KeySha256</c> (hex SHA-256 of its key) and <c>:Role</c>.</summary>
public sealed class ApiKeyClient
{
    public string KeySha256 { get; set; } = "";
    public string Role { get; set; } = "";
}
