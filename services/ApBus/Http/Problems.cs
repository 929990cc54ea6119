using Apmatrix.ApBus.Persistence;

namespace Apmatrix.ApBus.Http;

/// <summary>Refusals as RFC 7807 problem details: <c>type</c> <c>urn:apmatrix:error:{kind}</c> and a <c>kind</c> member.</summary>
public static class Problems
{
    public static IResult Refused(ApBusException refusal) => refusal.Kind switch
    {
        ApBusErrorKind.NotFound => Kind(StatusCodes.Status404NotFound, "not-found", refusal.Message),
        ApBusErrorKind.Exists => Kind(StatusCodes.Status409Conflict, "exists", refusal.Message),
        ApBusErrorKind.Busy => Kind(StatusCodes.Status409Conflict, "busy", refusal.Message),
        _ => Kind(StatusCodes.Status503ServiceUnavailable, "unavailable", refusal.Message),
    };

    public static IResult Kind(int status, string kind, string detail) =>
        TypedResults.Problem(detail, statusCode: status, type: $"urn:apmatrix:error:{kind}",
            extensions: new Dictionary<string, object?> { ["kind"] = kind });

    /// <summary>Endpoint filter: a refused operation becomes its problem instead of a 500.</summary>
    public static async ValueTask<object?> AsProblem(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ApBusException refusal)
        {
            return Refused(refusal);
        }
    }
}
