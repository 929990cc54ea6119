using Apmatrix.ApModel;

namespace Apmatrix.ApBus.Http;

/// <summary>What is wrong with a request, field by field; answered as a 400 validation problem.</summary>
public sealed class RequestErrors
{
    readonly Dictionary<string, string[]> _errors = [];

    public bool Any => _errors.Count > 0;

    public IResult Problem() => TypedResults.ValidationProblem(_errors);

    public void Add(string field, string message) => _errors[field] = [message];

    public void Host(string host)
    {
        if (host.Length > 128 || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            Add("host", "a host id is at most 128 characters without spaces");
    }

    /// <summary>An id set as a range list (<c>4-5,9</c>) or sysfs hex (<c>0x0c</c>); absent is an error unless optional (then empty).</summary>
    public Bitmap256 Ids(string field, string? text, bool optional = false)
    {
        if (text is null)
        {
            if (!optional) Add(field, "is required (a range list like \"4-5,9\" or sysfs hex like \"0x0c\"; \"\" is the empty set)");
            return Bitmap256.Empty;
        }
        if (Bitmap256.TryParse(text, out var ids, out var error)) return ids;
        Add(field, error);
        return Bitmap256.Empty;
    }

    /// <summary>A host's highest adapter or domain id: 0..255, 255 when absent.</summary>
    public int MaxId(string field, int? value)
    {
        if (value is null or (>= 0 and <= 255)) return value ?? 255;
        Add(field, "must be 0..255");
        return 255;
    }

    public Apqn ParseApqn(string field, string text)
    {
        if (Apqn.TryParse(text, out var apqn)) return apqn;
        Add(field, $"'{text}' is not an APQN like 05.0004");
        return default;
    }
}
