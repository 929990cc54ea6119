namespace Apmatrix.Services.Tests.Hosting;

/// <summary>
/// Each service's committed OpenAPI document (docs/openapi) is the one its build writes now (services/*/obj/openapi):
/// a changed route, body, view or refusal shows in the committed document, in the same commit.
/// </summary>
public class ApiDocumentTests
{
    const string Regenerate = "regenerate the committed documents with: dotnet build apmatrix.slnx -p:UpdateApiDocuments=true";

    [Theory]
    [InlineData("ApBus")]
    [InlineData("VfioAp")]
    [InlineData("GuestVm")]
    public void Should_be_committed_as_the_build_writes_it(string service)
    {
        var root = RepositoryRoot();
        var name = $"{service.ToLowerInvariant()}.json";
        var built = Path.Combine(root, "services", service, "obj", "openapi", name);
        var committed = Path.Combine(root, "docs", "openapi", name);
        Assert.True(File.Exists(built), $"{built} is missing: the build of {service} writes it");
        Assert.True(File.Exists(committed), $"docs/openapi/{name} is missing; {Regenerate}");
        var (expected, actual) = (Lines(built), Lines(committed));
        var line = expected.Zip(actual).TakeWhile(pair => pair.First == pair.Second).Count();
        Assert.True(line == expected.Length && line == actual.Length,
            $"docs/openapi/{name} differs from what the build wrote at line {line + 1}: " +
            $"built '{expected.ElementAtOrDefault(line)}', committed '{actual.ElementAtOrDefault(line)}'; {Regenerate}");
    }

    static string[] Lines(string path) => File.ReadAllText(path).ReplaceLineEndings("\n").Split('\n');

    static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "apmatrix.slnx"))) return directory.FullName;
        throw new InvalidOperationException("apmatrix.slnx not found above the test binaries");
    }
}
