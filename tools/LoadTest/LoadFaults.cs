namespace Apmatrix.LoadTest;

/// <summary>The command-line names of <see cref="LoadFault"/>.</summary>
public static class LoadFaults
{
    public static string Name(LoadFault fault) => fault switch
    {
        LoadFault.ClusterNodeKill => "cluster-node-kill",
        _ => throw new ArgumentOutOfRangeException(nameof(fault)),
    };

    public static LoadFault Parse(string value) =>
        Enum.GetValues<LoadFault>().Where(f => Name(f) == value).Select(f => (LoadFault?)f).FirstOrDefault()
        ?? throw new ArgumentException($"--fault is {string.Join(", ", Enum.GetValues<LoadFault>().Select(Name))}");
}
