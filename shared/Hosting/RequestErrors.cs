using System.Globalization;
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

    /// <summary>Another thing wrong with <paramref name="field"/>: each is named, none replaces an earlier one.</summary>
    public void Add(string field, string message) =>
        _errors[field] = !_errors.TryGetValue(field, out var earlier) ? [message] : earlier.Contains(message) ? earlier : [.. earlier, message];

    /// <summary>
    /// A whole number from <paramref name="min"/> to <paramref name="max"/> written in plain digits (no sign, space or
    /// separator), as every count in a query or body is read; null, and the field named, when it is not one.
    /// </summary>
    public int? Number(string field, string text, int min, int max)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        Add(field, $"{InputText.Quote(text)} is not a whole number from {min} to {max}");
        return null;
    }

    /// <summary>An id set as a range list (<c>4-5,9</c>) or sysfs hex (<c>0x0c</c>); absent is an error unless optional (then empty).</summary>
    public Bitmap256 Ids(string field, string? text, bool optional = false)
    {
        if (text is null)
        {
            if (!optional) Add(field, "is required (a range list like \"4-5,9\" or sysfs hex like \"0x0c\"; \"\" is the empty set)");
            return Bitmap256.Empty;
        }
        if (Bitmap256.TryParse(text, out var ids, out var error)) return ids;
        Add(field, error);
        return Bitmap256.Empty;
    }

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
