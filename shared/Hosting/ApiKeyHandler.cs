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
    [FromKeyedServices(ApiKeys.Scheme)] LogThrottle earlierKeys, TimeProvider clock)
    : AuthenticationHandler<ApiKeyOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var inAuthorization = AuthorizationKey();
        // Two keys could name two clients: which one speaks would be a guess, so neither does.
        if (inAuthorization is not null && Request.Headers.ContainsKey(ApiKeys.Header))
            return Task.FromResult(AuthenticateResult.Fail($"two API keys: send one, in Authorization or in {ApiKeys.Header}"));
        if ((inAuthorization ?? (Request.Headers[ApiKeys.Header] is [{ } one] ? one : null)) is not { } key)
            return Task.FromResult(AuthenticateResult.NoResult());
        var hash = ApiKeys.Sha256(key);
        foreach (var (name, client) in Options.Clients)
        {
            var hashes = client.Hashes();
            for (var i = 0; i < hashes.Length; i++)
                // Equal-time comparison: how long it takes tells nothing of how much of a hash matched.
                if (CryptographicOperations.FixedTimeEquals(hash, Convert.FromHexString(hashes[i])))
                {
                    if (i > 0) NoteEarlierKey(name, i);
                    return Task.FromResult(AuthenticateResult.Success(Ticket(name, client.Role)));
                }
        }
        return Task.FromResult(AuthenticateResult.Fail("the API key is not one this service knows"));
    }

    void NoteEarlierKey(string client, int position)
    {
        if (earlierKeys.ShouldLog(client, clock.GetUtcNow().UtcDateTime, out var held))
            Logger.LogInformation("API client {Client} authenticated with the key of hash {Position} in its KeySha256, not the first: an old key still in use ({Held} more such requests since the last line)",
                client, position + 1, held);
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

    string? AuthorizationKey() =>
        AuthenticationHeaderValue.TryParse(Request.Headers.Authorization.ToString(), out var authorization)
        && authorization.Scheme.Equals(ApiKeys.Scheme, StringComparison.OrdinalIgnoreCase)
            ? authorization.Parameter ?? ""
            : null;

    AuthenticationTicket Ticket(string name, string role) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], Scheme.Name)), Scheme.Name);

    Task WriteProblemAsync(int status, string kind, string title, string detail) =>
        TypedResults.Problem(Refusals.Problem(status, kind, title, detail)).ExecuteAsync(Context);
}
