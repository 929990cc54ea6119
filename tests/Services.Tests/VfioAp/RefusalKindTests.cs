using Apmatrix.Engine;
using Apmatrix.Hosting;
using Apmatrix.VfioAp;

namespace Apmatrix.Services.Tests.VfioAp;

/// <summary>Every way the engine refuses reaches a client as a problem of its own kind, never a 500.</summary>
public class RefusalKindTests
{
    public static TheoryData<MatrixErrorKind> Kinds => [.. Enum.GetValues<MatrixErrorKind>()];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_engine_refusal_is_a_client_error_named_as_in_scenario_files(MatrixErrorKind kind)
    {
        var refusals = new Refusals();
        VfioApApp.AddRefusals(refusals);

        var problem = refusals.ProblemFor(new MatrixException(kind, "refused") { Apqn = "05.0004" });

        Assert.NotNull(problem);
        Assert.Equal(MatrixException.Name(kind), problem.Extensions["kind"]);
        Assert.InRange(problem.Status!.Value, 400, 499);
        Assert.Equal("05.0004", problem.Extensions["apqn"]);
    }

    [Fact]
    public void Kind_names_are_distinct_and_read_back()
    {
        var names = Enum.GetValues<MatrixErrorKind>().Select(MatrixException.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(Enum.GetValues<MatrixErrorKind>(), kind => Assert.True(MatrixException.TryParseKind(MatrixException.Name(kind), out var back) && back == kind));
    }
}
