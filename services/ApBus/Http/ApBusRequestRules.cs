using Apmatrix.Contracts;
using Apmatrix.ApModel;
using Apmatrix.Hosting;

namespace Apmatrix.ApBus.Http;

/// <summary>The fields of ApBus requests, read into <see cref="RequestErrors"/>: each returns a value to go on with even when it records an error.</summary>
public static class ApBusRequestRules
{
    /// <summary>A host's highest adapter or domain id: 0..255, 255 when absent.</summary>
    public static int MaxId(this RequestErrors errors, string field, int? value)
    {
        if (value is null or (>= 0 and <= 255)) return value ?? 255;
        errors.Add(field, "must be 0..255");
        return 255;
    }

    /// <summary>How a host's events leave: <c>grouped</c>, the default, or <c>per-queue</c>.</summary>
    public static BusEventForm EventForm(this RequestErrors errors, string field, string? text)
    {
        if (text is null) return BusEventForm.Grouped;
        if (BusEventForms.TryParse(text, out var form)) return form;
        errors.Add(field, $"{InputText.Quote(text)} is not an event form: grouped or per-queue");
        return BusEventForm.Grouped;
    }

    public static Apqn ParseApqn(this RequestErrors errors, string field, string text)
    {
        if (Apqn.TryParse(text, out var apqn)) return apqn;
        errors.Add(field, $"{InputText.Quote(text)} is not an APQN like 05.0004");
        return default;
    }
}
