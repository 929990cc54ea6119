using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Apmatrix.Hosting;

/// <summary>A body that does not bind (malformed JSON, a wrong type, none at all) becomes a validation problem naming the field.</summary>
public sealed class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad) return false;
        // A syntax error (the reader's own JsonException inside) spoils the body, not one field.
        var (field, message) = bad.InnerException is JsonException { Path: { Length: > 2 } path, InnerException: not JsonException }
            ? (path[2..], "has the wrong type or is malformed")
            : ("body", "is missing or is not valid JSON");
        http.Response.StatusCode = StatusCodes.Status400BadRequest;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
            {
                Status = StatusCodes.Status400BadRequest,
            },
            Exception = exception,
        });
    }
}
