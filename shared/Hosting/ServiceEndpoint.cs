namespace Apmatrix.Hosting;

/// <summary>Another service this one calls: where it listens (<c>Services:{name}</c>) and this service's own key for it (<c>Services:{name}Key</c>).</summary>
public sealed class ServiceEndpoint
{
    public string Address { get; set; } = "";
    public string Key { get; set; } = "";
}
