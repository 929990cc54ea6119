using Apmatrix.ApModel;

namespace Apmatrix.Engine;

/// <summary>The mode as the API and the <c>mode</c> column spell it: <c>batched</c> or <c>per-queue</c>.</summary>
public static class HotPlugModes
{
    public static string Name(HotPlugMode mode) => mode == HotPlugMode.PerQueue ? "per-queue" : "batched";

    public static bool TryParse(string? text, out HotPlugMode mode)
    {
        mode = HotPlugMode.Batched;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "batched":
                return true;
            case "per-queue" or "perqueue":
                mode = HotPlugMode.PerQueue;
                return true;
            default:
                return false;
        }
    }

    public static HotPlugMode Parse(string text) =>
        TryParse(text, out var mode) ? mode : throw new FormatException($"{InputText.Quote(text)} is not a hot-plug mode");
}
