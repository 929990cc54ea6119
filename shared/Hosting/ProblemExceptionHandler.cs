using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Apmatrix.Hosting;

/// <summary>
/// Where a request's exception becomes problem details: a body that does not bind is a 400 validation problem naming
/// the field, a refusal is the problem its service registered (<see cref="Refusals"/>), a database outage is a 503 to try
/// again after, a change another one beat at the database a 409 to send again; anything else stays a 500.
/// </summary>
public sealed class ProblemExceptionHandler(IOptions<Refusals> refusals) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception is BadHttpRequestException bad ? BodyProblem(bad)
            // A refusal first: the request was wrong whatever the database's state.
            : refusals.Value.ProblemFor(exception)
              ?? (DatabaseFaults.IsContention(exception) ? Contended
                  : DatabaseFaults.IsOutage(exception) ? Unavailable(exception) : null);
        if (problem is null) return false;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable) http.Response.Headers.RetryAfter = RetryAfterSeconds;
        // The result, not the service directly: it falls back to plain JSON for a client that accepts no JSON, as a returned problem does.
        await TypedResults.Problem(problem).ExecuteAsync(http);
        return true;
    }

    /// <summary>Every 503's Retry-After: the services' own retries reach a database or broker again, and a service starts, within this.</summary>
    internal const string RetryAfterSeconds = "5";

    /// <summary>Its transaction rolled back whole (a serialization failure, a deadlock, a key taken meanwhile): nothing was done.</summary>
    static ProblemDetails Contended => Refusals.Problem(StatusCodes.Status409Conflict, "contention", "Changed concurrently",
        "another change of the same data reached the database first; nothing was done: send the request again");

    static ProblemDetails Unavailable(Exception outage) => Refusals.Problem(StatusCodes.Status503ServiceUnavailable, "unavailable",
        "The database is unreachable; try again shortly",
        $"the service's database does not answer ({DatabaseFaults.Brief(outage)}); its own retries reach it again once it is back");

    static ProblemDetails BodyProblem(BadHttpRequestException bad)
    {
        // Too large, not JSON: the status says it all, and ServiceDefaults names it as every other refusal.
        if (bad.StatusCode != StatusCodes.Status400BadRequest) return new ProblemDetails { Status = bad.StatusCode };
        // A syntax error (the reader's own JsonException inside) spoils the body, not one field.
        var (field, message) = bad.InnerException is JsonException { Path: { Length: > 2 } path, InnerException: not JsonException } json
            ? (path[2..], json.Message switch
            {
                // The serializer's own words for the two refusals ServiceDefaults asks of it; a test pins them.
                var m when m.Contains("could not be mapped to any .NET member", StringComparison.Ordinal) => "is not a field this request takes",
                var m when m.StartsWith("Duplicate property", StringComparison.Ordinal) => "is named twice",
                _ => "has the wrong type or is malformed",
            })
            : ("body", "is missing or is not valid JSON");
        return RequestErrors.Problem(new Dictionary<string, string[]> { [field] = [message] });
    }
}
