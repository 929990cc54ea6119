using Microsoft.AspNetCore.Http;

namespace Apmatrix.Hosting;

/// <summary>Refusals as RFC 7807 problem details, the same in every service: <c>type</c> <c>urn:apmatrix:error:{kind}</c> and a <c>kind</c> member.</summary>
public static class ErrorProblems
{
    public static IResult Of(int status, string kind, string detail, string? title = null) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: $"urn:apmatrix:error:{kind}",
            extensions: new Dictionary<string, object?> { ["kind"] = kind });
}
