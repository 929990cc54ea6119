namespace Apmatrix.Contracts;

/// <summary>The event form as the API spells it: <c>grouped</c> or <c>per-queue</c>.</summary>
public static class BusEventForms
{
    public static string Name(BusEventForm form) => form == BusEventForm.PerQueue ? "per-queue" : "grouped";

    public static bool TryParse(string? text, out BusEventForm form)
    {
        (var known, form) = text switch
        {
            "grouped" => (true, BusEventForm.Grouped),
            "per-queue" => (true, BusEventForm.PerQueue),
            _ => (false, BusEventForm.Grouped),
        };
        return known;
    }
}
