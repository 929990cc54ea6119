using Apmatrix.ApModel;
using Apmatrix.Hosting;

namespace Apmatrix.VfioAp.Http;

/// <summary>The fields of VfioAp requests, read into <see cref="RequestErrors"/>: each returns a value to go on with even when it records an error.</summary>
public static class VfioApRequestRules
{
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

    /// <summary>A mask change's reservation named in a route: the UUID mask-check was given.</summary>
    public static Guid Reservation(this RequestErrors errors, string field, string text)
    {
        if (Guid.TryParse(text, out var id)) return id;
        errors.Add(field, $"{InputText.Quote(text)} is not a reservation id (a UUID, as mask-check answered)");
        return Guid.Empty;
    }
}
