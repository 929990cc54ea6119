using Apmatrix.Hosting;
using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Http;

/// <summary>Turns a refused engine operation into problem details: the kind decides the status and names the error.</summary>
public sealed class MatrixProblemFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (MatrixException e)
        {
            return Problem(e);
        }
    }

    public static IResult Problem(MatrixException e) => ErrorProblems.Of(StatusOf(e.Kind), e.KindName, e.Message, TitleOf(e.Kind));

    static int StatusOf(MatrixErrorKind kind) => kind switch
    {
        MatrixErrorKind.Invalid or MatrixErrorKind.OutOfRange => StatusCodes.Status400BadRequest,
        MatrixErrorKind.NotFound => StatusCodes.Status404NotFound,
        _ => StatusCodes.Status409Conflict,
    };

    static string TitleOf(MatrixErrorKind kind) => kind switch
    {
        MatrixErrorKind.Invalid => "Invalid input",
        MatrixErrorKind.OutOfRange => "Out of range",
        MatrixErrorKind.InUse => "In use",
        MatrixErrorKind.Reserved => "Reserved for the host's default drivers",
        MatrixErrorKind.Busy => "Busy",
        MatrixErrorKind.NotFound => "Not found",
        _ => "Not permitted",
    };
}
