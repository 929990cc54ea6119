using Microsoft.AspNetCore.Authentication;

namespace Apmatrix.Hosting;

/// <summary>The <c>Auth</c> section: the API clients a service admits, by name.</summary>
public sealed class ApiKeyOptions : AuthenticationSchemeOptions
{
    public const string Section = "Auth";

    public Dictionary<string, ApiKeyClient> Clients { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
