using Apmatrix.ApModel;
using Apmatrix.Hosting;

namespace Apmatrix.VfioAp.Http;

/// <summary>The fields of VfioAp requests, read into <see cref="RequestErrors"/>: each returns a value to go on with even when it records an error.</summary>
public static class VfioApRequestRules
{
    /// <summary>A required id set as a range list (<c>4-5,9</c>) or sysfs hex (<c>0x0c</c>).</summary>
    public static Bitmap256 Ids(this RequestErrors errors, string field, string? text)
    {
        if (text is null) errors.Add(field, $"{field} is required");
        else if (Bitmap256.TryParse(text, out var ids, out var error)) return ids;
        else errors.Add(field, $"{field}: {error}");
        return Bitmap256.Empty;
    }

    /// <summary>The name of an mdev or a guest: required, not blank.</summary>
    public static string Name(this RequestErrors errors, string field, string? text, string message)
    {
        if (string.IsNullOrWhiteSpace(text)) errors.Add(field, message);
        return text ?? "";
    }
}
