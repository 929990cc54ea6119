using Apmatrix.Hosting;

namespace Apmatrix.LoadTest;

/// <summary>
/// Random API keys for one stack, made by whoever starts it: an operator key for the starter, and the keys ApBus and VfioAp
/// call each other with. Each service gets the hashes of the clients it admits and only its own key.
/// </summary>
public sealed class StackKeys
{
    public string Operator { get; } = ApiKeys.NewKey();

    /// <summary>ApBus's own key, for VfioAp's mask check.</summary>
    public string ApBus { get; } = ApiKeys.NewKey();

    /// <summary>VfioAp's own key, for ApBus's snapshots.</summary>
    public string VfioAp { get; } = ApiKeys.NewKey();

    /// <summary>The settings of <paramref name="service"/> (ApBus, VfioAp or GuestVm), as configuration keys.</summary>
    public IEnumerable<(string Key, string Value)> Settings(string service) => service.ToLowerInvariant() switch
    {
        "apbus" => [.. Client("operator", ApiRoles.Operator, Operator), .. Client("vfioap", ApiRoles.Service, VfioAp), ("Services:VfioApKey", ApBus)],
        "vfioap" => [.. Client("operator", ApiRoles.Operator, Operator), .. Client("apbus", ApiRoles.Service, ApBus), ("Services:ApBusKey", VfioAp)],
        _ => Client("operator", ApiRoles.Operator, Operator),
    };

    /// <summary>A client a service admits: the key's hash and the role, never the key.</summary>
    public static IEnumerable<(string Key, string Value)> Client(string name, string role, string key) =>
        [($"Auth:Clients:{name}:KeySha256", ApiKeys.Sha256Hex(key)), ($"Auth:Clients:{name}:Role", role)];
}
