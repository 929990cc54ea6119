namespace Apmatrix.ApModel;

/// <summary>The text forms of the vfio_ap sysfs attributes <c>matrix</c>, <c>guest_matrix</c> and <c>control_domains</c>.</summary>
public static class SysfsText
{
    /// <summary>
    /// APQN lines, adapter-major: <c>05.0004</c> when both dimensions are set, <c>05.</c> for adapters alone,
    /// <c>.0004</c> for domains alone.
    /// </summary>
    public static List<string> MatrixLines(Bitmap256 adapters, Bitmap256 domains)
    {
        var lines = new List<string>();
        if (domains.IsEmpty)
            foreach (var a in adapters) lines.Add($"{a:x2}.");
        else if (adapters.IsEmpty)
            foreach (var d in domains) lines.Add($".{d:x4}");
        else
            foreach (var a in adapters)
            foreach (var d in domains)
                lines.Add($"{a:x2}.{d:x4}");
        return lines;
    }

    public static List<string> ControlDomainLines(Bitmap256 controlDomains)
    {
        var lines = new List<string>();
        foreach (var d in controlDomains) lines.Add($"{d:x4}");
        return lines;
    }

    public static string AsFile(IEnumerable<string> lines) => string.Concat(lines.Select(line => line + "\n"));
}
