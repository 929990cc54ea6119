// The load test of the stack: see LoadOptions.Usage, scripts/load.sh and the README.
using Apmatrix.LoadTest;

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(LoadOptions.Usage);
    return 0;
}

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

try
{
    return await LoadCommand.RunAsync(options, Repository.Root(), Console.Error);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

static class Repository
{
    /// <summary>The checkout holding apmatrix.slnx, found upwards from the current directory, then from the tool's own.</summary>
    public static string Root()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "apmatrix.slnx"))) return dir.FullName;
        throw new InvalidOperationException("apmatrix.slnx not found above the current directory or the tool");
    }
}
