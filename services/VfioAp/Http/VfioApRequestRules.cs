using Apmatrix.ApModel;
using Apmatrix.Hosting;

namespace Apmatrix.VfioAp.Http;

/// <summary>The fields of VfioAp requests, read into <see cref="RequestErrors"/>: each returns a value to go on with even when it records an error.</summary>
public static class VfioApRequestRules
{
    /// <summary>A required id set as a range list (<c>4-5,9</c>) or sysfs hex (<c>0x0c</c>).</summary>
    public static Bitmap256 Ids(this RequestErrors errors, string field, string? text)
    {
        if (text is null) errors.Add(field, "is required");
        else if (Bitmap256.TryParse(text, out var ids, out var error)) return ids;
        else errors.Add(field, error);
        return Bitmap256.Empty;
    }

    /// <summary>A required bus sequence number: 0 before a host's first event.</summary>
    public static long Sequence(this RequestErrors errors, string field, long? value)
    {
        if (value is null) errors.Add(field, "is required");
        else if (value < 0) errors.Add(field, "is negative");
        return value ?? 0;
    }

    /// <summary>A required id the caller made, not the empty one.</summary>
    public static Guid Id(this RequestErrors errors, string field, Guid? value)
    {
        if (value is null || value == Guid.Empty) errors.Add(field, "is required");
        return value ?? Guid.Empty;
    }
}
