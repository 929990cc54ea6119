using Microsoft.AspNetCore.Mvc;

namespace Apmatrix.Hosting;

/// <summary>
/// A service's refusal kinds: which exceptions answer a request with problem details instead of a 500, and with
/// which status, <c>kind</c> and title. Each service fills it in its wiring (<see cref="ServiceDefaults.AddRefusals"/>);
/// <see cref="ProblemExceptionHandler"/> answers with it.
/// </summary>
public sealed class Refusals
{
    readonly List<RefusalKind> _kinds = [];
    readonly List<Func<Exception, IEnumerable<KeyValuePair<string, object?>>>> _fields = [];

    /// <summary>Every <typeparamref name="TException"/> is this refusal.</summary>
    public Refusals Add<TException>(int status, string kind, string? title = null) where TException : Exception =>
        Add<TException>(_ => true, status, kind, title);

    /// <summary>The <typeparamref name="TException"/>s <paramref name="when"/> picks are this refusal; without a title the status names it.</summary>
    public Refusals Add<TException>(Func<TException, bool> when, int status, string kind, string? title = null) where TException : Exception
    {
        _kinds.Add(new RefusalKind(e => e is TException refusal && when(refusal), status, kind, title));
        return this;
    }

    /// <summary>Fields a <typeparamref name="TException"/> adds to its problem, so a client reads them rather than parsing the detail; null ones are left out.</summary>
    public Refusals WithFields<TException>(Func<TException, IEnumerable<KeyValuePair<string, object?>>> fields) where TException : Exception
    {
        _fields.Add(e => e is TException refusal ? fields(refusal) : []);
        return this;
    }

    /// <summary>The problem <paramref name="exception"/> answers with: <c>urn:apmatrix:error:{kind}</c>, its message as detail; null if it is no refusal.</summary>
    public ProblemDetails? ProblemFor(Exception exception)
    {
        var refusal = _kinds.FirstOrDefault(k => k.Matches(exception));
        if (refusal is null) return null;
        var problem = Problem(refusal.Status, refusal.Kind, refusal.Title, exception.Message);
        foreach (var (name, value) in _fields.SelectMany(f => f(exception)))
            if (value is not null) problem.Extensions[name] = value;
        return problem;
    }

    /// <summary>The one form of every refusal: <c>urn:apmatrix:error:{kind}</c>, <c>kind</c>, title, status, detail.</summary>
    public static ProblemDetails Problem(int status, string kind, string? title, string detail) => new()
    {
        Type = TypeOf(kind),
        Title = title,
        Status = status,
        Detail = detail,
        Extensions = { ["kind"] = kind },
    };

    public static string TypeOf(string kind) => $"urn:apmatrix:error:{kind}";

    sealed record RefusalKind(Func<Exception, bool> Matches, int Status, string Kind, string? Title);
}
