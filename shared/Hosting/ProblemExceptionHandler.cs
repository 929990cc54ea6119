using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

/// <summary>
/// Where a request's exception becomes problem details: a body that does not bind is a 400 validation problem naming
/// the field, a refusal is the problem its service registered (<see cref="Refusals"/>), a database outage is a 503 to try
/// again after, a change another one beat at the database a 409 to send again; anything else stays a 500.
/// </summary>
public sealed class ProblemExceptionHandler(IOptions<Refusals> refusals, IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is BadHttpRequestException bad) return await WriteBadBodyAsync(http, bad);
        // A refusal first: the request was wrong whatever the database's state.
        if (refusals.Value.ProblemFor(exception) is { } problem)
        {
            if (problem.Status == StatusCodes.Status503ServiceUnavailable) http.Response.Headers.RetryAfter = RetryAfterSeconds;
            // The result, not the service directly: it falls back to plain JSON for a client that accepts no JSON, as a returned problem does.
            await TypedResults.Problem(problem).ExecuteAsync(http);
            return true;
        }
        if (DatabaseFaults.IsContention(exception)) return await WriteContendedAsync(http, exception);
        return DatabaseFaults.IsOutage(exception) && await WriteUnavailableAsync(http, exception);
    }

    /// <summary>Its transaction rolled back whole (a serialization failure, a deadlock, a key taken meanwhile): nothing was done.</summary>
    async Task<bool> WriteContendedAsync(HttpContext http, Exception contention)
    {
        http.Response.StatusCode = StatusCodes.Status409Conflict;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = Refusals.Problem(StatusCodes.Status409Conflict, "contention", "Changed concurrently",
                "another change of the same data reached the database first; nothing was done: send the request again"),
            Exception = contention,
        });
    }

    async Task<bool> WriteUnavailableAsync(HttpContext http, Exception outage)
    {
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = RetryAfterSeconds;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = Refusals.Problem(StatusCodes.Status503ServiceUnavailable, "unavailable", "The database is unreachable; try again shortly",
                $"the service's database does not answer ({outage.GetBaseException().Message}); its own retries reach it again once it is back"),
            Exception = outage,
        });
    }

    /// <summary>Every 503's Retry-After: the services' own retries reach a database or broker again, and a service starts, within this.</summary>
    internal const string RetryAfterSeconds = "5";

    async Task<bool> WriteStatusAsync(HttpContext http, BadHttpRequestException bad)
    {
        http.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new() { Status = bad.StatusCode },
            Exception = bad,
        });
    }

    async Task<bool> WriteBadBodyAsync(HttpContext http, BadHttpRequestException bad)
    {
        // Too large, not JSON: the status says it all, and ServiceDefaults names it as every other refusal.
        if (bad.StatusCode != StatusCodes.Status400BadRequest) return await WriteStatusAsync(http, bad);
        // A syntax error (the reader's own JsonException inside) spoils the body, not one field.
        var (field, message) = bad.InnerException is JsonException { Path: { Length: > 2 } path, InnerException: not JsonException }
            ? (path[2..], "has the wrong type or is malformed")
            : ("body", "is missing or is not valid JSON");
        http.Response.StatusCode = StatusCodes.Status400BadRequest;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = RequestErrors.Problem(new Dictionary<string, string[]> { [field] = [message] }),
            Exception = bad,
        });
    }
}
