using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

/// <summary>
/// Authenticates a request by its API key (<c>Authorization: ApiKey {key}</c> or <c>X-Api-Key</c>) against the SHA-256s of
/// the configured clients (<see cref="ApiKeyOptions"/>). The client's name and role become ordinary claims, so another
/// scheme could take this one's place; a refusal is problem details like any other.
/// </summary>
public sealed class ApiKeyHandler(IOptionsMonitor<ApiKeyOptions> options, ILoggerFactory logger, UrlEncoder encoder)
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
            // Equal-time comparison: how long it takes tells nothing of how much of a hash matched.
            if (CryptographicOperations.FixedTimeEquals(hash, Convert.FromHexString(client.KeySha256)))
                return Task.FromResult(AuthenticateResult.Success(Ticket(name, client.Role)));
        return Task.FromResult(AuthenticateResult.Fail("the API key is not one this service knows"));
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
