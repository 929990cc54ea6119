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

    public ValidationProblem Problem() => TypedResults.ValidationProblem(_errors);
}
