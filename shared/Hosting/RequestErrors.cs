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

    public ValidationProblem Problem() => TypedResults.ValidationProblem(_errors, Summary(_errors), type: InvalidType,
        extensions: new Dictionary<string, object?> { ["kind"] = Invalid });

    /// <summary>The kind of every field refusal, as the engine's <c>invalid</c>.</summary>
    public const string Invalid = "invalid";

    public const string InvalidType = $"urn:apmatrix:error:{Invalid}";

    /// <summary>Every field's fault in one line, for a client that reads only <c>detail</c>.</summary>
    public static string Summary(IDictionary<string, string[]> errors) =>
        string.Join("; ", errors.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));
}
