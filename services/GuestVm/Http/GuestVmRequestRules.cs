using System.Globalization;
using Apmatrix.ApModel;
using Apmatrix.GuestVm.Guests;
using Apmatrix.Hosting;

namespace Apmatrix.GuestVm.Http;

/// <summary>The fields of GuestVm requests, read into <see cref="RequestErrors"/>: each returns a value to go on with even when it records an error.</summary>
public static class GuestVmRequestRules
{
    /// <summary>A guest's vCPU count, 1..248; null when absent.</summary>
    public static int? Vcpus(this RequestErrors errors, string field, int? value)
    {
        if (value is < 1 or > GuestOptions.MaxVcpus) errors.Add(field, $"must be 1..{GuestOptions.MaxVcpus}");
        return value;
    }

    /// <summary>The guest's CRYCB format, Apcb0 or Apcb1, in any case; null when absent.</summary>
    public static ApcbFormat? Format(this RequestErrors errors, string field, string? text)
    {
        switch (text?.ToLowerInvariant())
        {
            case null:
                return null;
            case "apcb1":
                return ApcbFormat.Apcb1;
            case "apcb0":
                return ApcbFormat.Apcb0;
            default:
                errors.Add(field, "must be Apcb0 or Apcb1");
                return null;
        }
    }

    /// <summary>How many of the newest history entries: a number, or <c>all</c>; <paramref name="fallback"/> when absent.</summary>
    public static int History(this RequestErrors errors, string field, string? text, int fallback)
    {
        if (text is null) return fallback;
        if (text.Equals("all", StringComparison.OrdinalIgnoreCase)) return int.MaxValue;
        // Plain digits only, as every other count is read (RequestErrors.Number).
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit)) return limit;
        errors.Add(field, $"{InputText.Quote(text)} is not a number of entries or \"all\"");
        return fallback;
    }
}
