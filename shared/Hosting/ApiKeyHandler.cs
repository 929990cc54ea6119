using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

/// <summary>
/// Authenticates a request by its API key (<c>Authorization: ApiKey {key}</c> or <c>X-Api-Key</c>) against the SHA-256s of
/// the configured clients (<see cref="ApiKeyOptions"/>). The client's name and role become ordinary claims, so another
/// scheme could take this one's place; a refusal is problem details like any other. A key a client's hash list names after its
/// first (an old key during a rotation) is admitted and logged, at most once a minute a client, so the operator sees when it is
/// no longer sent.
/// </summary>
public sealed class ApiKeyHandler(IOptionsMonitor<ApiKeyOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    [FromKeyedServices(ApiKeys.Scheme)] LogThrottle earlierKeys)
    : AuthenticationHandler<ApiKeyOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var keys = SentKeys();
        // Two keys could name two clients: which one speaks would be a guess, so neither does.
        if (keys.Count > 1)
            return Task.FromResult(AuthenticateResult.Fail($"two API keys: send one, in Authorization or in {ApiKeys.Header}"));
        if (keys is not [var key]) return Task.FromResult(AuthenticateResult.NoResult());
        if (key.Length == 0)
            return Task.FromResult(AuthenticateResult.Fail($"an empty API key: send 'Authorization: {ApiKeys.Scheme} <key>' or '{ApiKeys.Header}: <key>'"));
        var hash = ApiKeys.Sha256(key);
        foreach (var (name, client) in Options.Clients)
        {
            var hashes = client.Hashes();
            for (var i = 0; i < hashes.Length; i++)
                // Equal-time comparison: how long it takes tells nothing of how much of a hash matched.
                if (CryptographicOperations.FixedTimeEquals(hash, Convert.FromHexString(hashes[i])))
                {
                    if (i > 0) NoteEarlierKey(name, hashes[i]);
                    return Task.FromResult(AuthenticateResult.Success(Ticket(name, client.Role)));
                }
        }
        return Task.FromResult(AuthenticateResult.Fail("the API key is not one this service knows"));
    }

    /// <summary>Names the hash by its first digits: listed the wrong way round, the operator sees which key is still sent.</summary>
    void NoteEarlierKey(string client, string hash)
    {
        if (earlierKeys.ShouldLog(client, DateTime.UtcNow, out var held))
            Logger.LogInformation("API client {Client} authenticated with the key of hash {Hash}..., not the first its KeySha256 lists: an old key still in use ({Held} more such requests since the last line)",
                client, hash[..8].ToLowerInvariant(), held);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure;
        Response.Headers.WWWAuthenticate = Scheme.Name;
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "unauthenticated", "Unauthenticated",
            failure?.Message ?? $"no API key: send 'Authorization: {ApiKeys.Scheme} <key>' or '{ApiKeys.Header}: <key>'");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "forbidden", "Forbidden",
            $"API client '{Context.User.Identity?.Name}' (role {Context.User.FindFirstValue(ClaimTypes.Role)}) may not {Request.Method} this endpoint");

    /// <summary>Every API key the request carries: each <c>Authorization: ApiKey</c> header's and each <c>X-Api-Key</c> header's.</summary>
    List<string> SentKeys()
    {
        var keys = new List<string>();
        foreach (var value in Request.Headers.Authorization)
            if (AuthenticationHeaderValue.TryParse(value, out var authorization) && authorization.Scheme.Equals(ApiKeys.Scheme, StringComparison.OrdinalIgnoreCase))
                keys.Add(authorization.Parameter ?? "");
            // A line that does not parse (keys a client or proxy joined with commas) still counts every key it carries.
            else if (value is not null)
                keys.AddRange(value.Split(',', StringSplitOptions.TrimEntries)
                    .Where(part => part.StartsWith($"{ApiKeys.Scheme} ", StringComparison.OrdinalIgnoreCase))
                    .Select(part => part[(ApiKeys.Scheme.Length + 1)..].Trim()));
        foreach (var value in Request.Headers[ApiKeys.Header]) keys.Add(value ?? "");
        return keys;
    }

    AuthenticationTicket Ticket(string name, string role) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], Scheme.Name)), Scheme.Name);

    Task WriteProblemAsync(int status, string kind, string title, string detail) =>
        TypedResults.Problem(Refusals.Problem(status, kind, title, detail)).ExecuteAsync(Context);
}
