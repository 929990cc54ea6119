using System.Globalization;

namespace Apmatrix.LoadTest;

/// <summary>Peak resident set of a Linux process: VmHWM in /proc/&lt;pid&gt;/status, resettable through clear_refs.</summary>
public static class ProcessMemory
{
    /// <summary>VmHWM in MiB; NaN when the process or the field is gone.</summary>
    public static double PeakMiB(int processId)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{processId}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
        }
        catch (IOException)
        {
        }
        return double.NaN;
    }

    /// <summary>Starts a new peak from the current resident set ("5" to clear_refs), so the next reading covers only what follows.</summary>
    public static bool ResetPeak(int processId)
    {
        try
        {
            File.WriteAllText($"/proc/{processId}/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
