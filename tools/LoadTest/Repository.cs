namespace Apmatrix.LoadTest;

public static class Repository
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
