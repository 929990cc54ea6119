namespace Apmatrix.Scenarios.Stack;

/// <summary>The event form as ApBus's <c>eventForm</c> field spells it: <c>grouped</c> or <c>per-queue</c>, exactly.</summary>
public static class EventForms
{
    public static string Name(EventForm form) => form == EventForm.PerQueue ? "per-queue" : "grouped";

    public static bool TryParse(string? text, out EventForm form)
    {
        form = EventForm.Grouped;
        switch (text)
        {
            case "grouped":
                return true;
            case "per-queue":
                form = EventForm.PerQueue;
                return true;
            default:
                return false;
        }
    }
}
