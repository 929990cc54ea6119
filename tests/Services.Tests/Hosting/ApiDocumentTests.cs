using System.Text.Json.Nodes;
using Apmatrix.Apctl.Cli;

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
    [InlineData("Dashboard")]
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

    /// <summary>apctl's client calls only what the documents name: every route it has, with its method, is in its service's document.</summary>
    [Fact]
    public void Should_name_every_endpoint_apctl_calls()
    {
        var documents = new[] { "apbus", "vfioap", "guestvm" }.ToDictionary(s => s,
            s => JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "openapi", $"{s}.json")))!["paths"]!);
        var missing = ApiRoutes.All
            .SelectMany(route => (route.Service is { } service ? [service] : new[] { "vfioap", "guestvm" }).Select(service => (route, service)))
            .Where(call => documents[call.service][call.route.Template]?[call.route.Method.ToLowerInvariant()] is null)
            .Select(call => $"{call.service}: {call.route.Method} {call.route.Template}")
            .ToList();

        Assert.True(ApiRoutes.All.Count() >= 25, "apctl's routes were not all found");
        Assert.True(missing.Count == 0, $"apctl calls what no document names: {string.Join("; ", missing)}");
    }

    static string[] Lines(string path) => File.ReadAllText(path).ReplaceLineEndings("\n").Split('\n');

    static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "apmatrix.slnx"))) return directory.FullName;
        throw new InvalidOperationException("apmatrix.slnx not found above the test binaries");
    }
}
