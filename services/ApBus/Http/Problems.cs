using Apmatrix.ApBus.Persistence;
using Apmatrix.Hosting;

namespace Apmatrix.ApBus.Http;

/// <summary>ApBus refusals as problem details (<see cref="ErrorProblems"/>).</summary>
public static class Problems
{
    public static IResult Refused(ApBusException refusal) => refusal.Kind switch
    {
        ApBusErrorKind.NotFound => ErrorProblems.Of(StatusCodes.Status404NotFound, "not-found", refusal.Message),
        ApBusErrorKind.Exists => ErrorProblems.Of(StatusCodes.Status409Conflict, "exists", refusal.Message),
        ApBusErrorKind.Busy => ErrorProblems.Of(StatusCodes.Status409Conflict, "busy", refusal.Message),
        _ => ErrorProblems.Of(StatusCodes.Status503ServiceUnavailable, "unavailable", refusal.Message),
    };

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
