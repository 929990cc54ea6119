using System.Text.RegularExpressions;
using Apmatrix.LoadTest;

namespace Apmatrix.Tools.Tests;

/// <summary>
/// No Docker engine runs here, so an image's build is checked by what it copies: every project the service builds
/// from, and every MSBuild file above them, must reach the build stage; the image must not run as root.
/// </summary>
public sealed partial class DockerfileTests
{
    [Theory]
    [InlineData("ApBus")]
    [InlineData("VfioAp")]
    [InlineData("GuestVm")]
    [InlineData("Dashboard")]
    public void Should_copy_every_project_and_msbuild_file_the_service_builds_from(string service)
    {
        var root = Repository.Root();
        var stages = Stages(File.ReadAllLines(Path.Combine(root, "services", service, "Dockerfile")));
        var copied = stages[0].Select(CopySources).SelectMany(s => s).ToList();

        var missing = Needed(root, Path.Combine(root, "services", service, $"{service}.csproj"))
            .Where(path => !copied.Any(source => source.EndsWith('/') ? path.StartsWith(source, StringComparison.Ordinal) : path == source))
            .ToList();

        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("ApBus")]
    [InlineData("VfioAp")]
    [InlineData("GuestVm")]
    [InlineData("Dashboard")]
    public void Should_run_the_service_as_the_image_s_unprivileged_user(string service)
    {
        var final = Stages(File.ReadAllLines(Path.Combine(Repository.Root(), "services", service, "Dockerfile")))[^1];

        var user = final.FindIndex(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.InRange(user, 0, final.FindIndex(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal)));
        Assert.Equal("USER $APP_UID", final[user]);
    }

    /// <summary>The Dockerfile's instructions, one list per <c>FROM</c>.</summary>
    static List<List<string>> Stages(string[] lines)
    {
        var stages = new List<List<string>>();
        foreach (var line in lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            if (line.StartsWith("FROM ", StringComparison.Ordinal)) stages.Add([]);
            stages[^1].Add(line);
        }
        return stages;
    }

    /// <summary>A build-context <c>COPY</c>'s sources (all words but the last), as paths from the repository root.</summary>
    static IEnumerable<string> CopySources(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words[0] == "COPY" && !words[1].StartsWith("--from", StringComparison.Ordinal) ? words[1..^1] : [];
    }

    /// <summary>Every project file reachable from the project, and each Directory.* MSBuild file above one of them.</summary>
    static SortedSet<string> Needed(string root, string project)
    {
        var needed = new SortedSet<string>(StringComparer.Ordinal);
        var todo = new Stack<string>([Path.GetFullPath(project)]);
        while (todo.TryPop(out var next))
        {
            if (!needed.Add(Relative(root, next))) continue;
            var folder = Path.GetDirectoryName(next)!;
            foreach (Match reference in ProjectReference().Matches(File.ReadAllText(next)))
                todo.Push(Path.GetFullPath(Path.Combine(folder, reference.Groups[1].Value)));
            for (var dir = new DirectoryInfo(folder); dir is not null && dir.FullName.StartsWith(root, StringComparison.Ordinal); dir = dir.Parent)
                foreach (var file in dir.EnumerateFiles("Directory.*.props").Concat(dir.EnumerateFiles("Directory.*.targets")))
                    needed.Add(Relative(root, file.FullName));
        }
        return needed;
    }

    static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    [GeneratedRegex(@"<ProjectReference\s+Include=""([^""]+)""")]
    private static partial Regex ProjectReference();
}
