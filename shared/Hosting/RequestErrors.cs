using Apmatrix.ApModel;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Apmatrix.Hosting;

/// <summary>
/// What is wrong with a request, field by field, all answered at once as a 400 validation problem
/// (<c>errors.{field}</c>). A service's own field rules are extension methods on it.
/// </summary>
public sealed class RequestErrors
{
    readonly Dictionary<string, string[]> _errors = [];

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message) => _errors[field] = [message];

    /// <summary>A required host, mdev or guest name (<paramref name="what"/>) under the one rule, <see cref="Names"/>.</summary>
    public string Name(string field, string? text, string what)
    {
        if (Names.Problem(what, text) is { } problem) Add(field, problem);
        return text ?? "";
    }

    public ValidationProblem Problem()
    {
        var problem = Problem(_errors);
        return TypedResults.ValidationProblem(problem.Errors, problem.Detail, type: problem.Type, title: problem.Title, extensions: problem.Extensions);
    }

    /// <summary>
    /// A field refusal in the form of every refusal: kind <c>invalid</c> (as the engine's), each field under
    /// <c>errors</c>, and all of them in <c>detail</c> for a client that reads only that.
    /// </summary>
    public static HttpValidationProblemDetails Problem(IDictionary<string, string[]> errors)
    {
        const string kind = "invalid";
        return new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Type = Refusals.TypeOf(kind),
            Title = "Invalid input",
            Detail = string.Join("; ", errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")),
            Extensions = { ["kind"] = kind },
        };
    }
}
