using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

/// <summary>Fails the start (fail closed) when no client is configured, a client's hash (any of them, in a rotation) or role does not read or a key is empty, or two clients share a key.</summary>
public sealed class ApiKeyOptionsValidation : IValidateOptions<ApiKeyOptions>
{
    static readonly string EmptyKey = ApiKeys.Sha256Hex("");

    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options)
    {
        if (name != ApiKeys.Scheme) return ValidateOptionsResult.Skip;
        if (options.Clients.Count == 0)
            return ValidateOptionsResult.Fail("Auth:Clients is empty, so every API call would be refused: configure each client as " +
                "Auth:Clients:<name>:KeySha256 (hex SHA-256 of its key) and Auth:Clients:<name>:Role (viewer, operator or service), " +
                "e.g. the environment variables Auth__Clients__alice__KeySha256 and Auth__Clients__alice__Role; scripts/demo.sh makes them");
        var failures = new List<string>();
        foreach (var (client, entry) in options.Clients)
        {
            foreach (var hash in entry.Hashes())
                if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit))
                    failures.Add($"Auth:Clients:{client}:KeySha256 must be 64 hex digits, the SHA-256 of the key (never the key itself), " +
                        "or while a key is rotated the new key's and the old one's, comma-separated");
                else if (hash.Equals(EmptyKey, StringComparison.OrdinalIgnoreCase))
                    failures.Add($"Auth:Clients:{client}:KeySha256 is the SHA-256 of an empty key, which a request sends with 'Authorization: ApiKey' alone");
            if (!ApiRoles.All.Contains(entry.Role))
                failures.Add($"Auth:Clients:{client}:Role must be {string.Join(", ", ApiRoles.All)}");
        }
        // One key, two clients: which name and role a request gets would depend on the order the settings were read in.
        var holders = options.Clients.SelectMany(c => c.Value.Hashes().Distinct(StringComparer.OrdinalIgnoreCase).Select(hash => (Hash: hash, Client: c.Key)));
        foreach (var shared in holders.GroupBy(h => h.Hash, h => h.Client, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            failures.Add($"Auth:Clients:{string.Join(", :", shared.Order(StringComparer.Ordinal))} have the same KeySha256: give each client a key of its own");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
