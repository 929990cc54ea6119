using System.Globalization;
using System.Text;

namespace Apmatrix.LoadTest;

/// <summary>
/// Two bar panels, guest updates per guest per scan and vCPU-suspended time per guest, one bar per mode and event form,
/// on a log scale: batched and per-queue differ by two orders of magnitude.
/// </summary>
public static class Chart
{
    const int MinPanelWidth = 320, PanelHeight = 260, Top = 50, Left = 60, BarWidth = 70, BarGap = 25;
    static readonly string[] Colours = ["#2b6cb0", "#c05621", "#2f855a", "#6b46c1"];

    public static string Svg(LoadReport report)
    {
        var svg = new StringBuilder();
        var panelWidth = Math.Max(MinPanelWidth, Left + 20 + report.Modes.Count * (BarWidth + BarGap));
        var width = 2 * panelWidth + 40;
        svg.AppendLine(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{Top + PanelHeight}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.AppendLine(Invariant($"<rect width=\"{width}\" height=\"{Top + PanelHeight}\" fill=\"white\"/>"));
        svg.AppendLine(Invariant($"<text x=\"20\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{Escape(report.Name)}: per guest, mean over guests (log scale)</text>"));
        Panel(svg, 20, panelWidth, "guest updates per scan", report.Modes.Select(m => (m.Mode, Label(m), m.UpdatesPerGuestPerScan.Mean)).ToList(), "");
        Panel(svg, 20 + panelWidth + 20, panelWidth, "vCPU-suspended time", report.Modes.Select(m => (m.Mode, Label(m), m.SuspendedMsPerGuest.Mean)).ToList(), " ms");
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    static void Panel(StringBuilder svg, int x0, int panelWidth, string title, IReadOnlyList<(string Mode, string Form, double Value)> bars, string unit)
    {
        var plotHeight = PanelHeight - 40;
        var positive = bars.Select(b => b.Value).Where(v => v > 0).ToList();
        var low = positive.Count == 0 ? 0 : Math.Floor(Math.Log10(positive.Min())) - 1;
        var high = positive.Count == 0 ? 1 : Math.Ceiling(Math.Log10(positive.Max()));
        if (high <= low) high = low + 1;
        double Y(double value) => Top + plotHeight - (value <= 0 ? 0 : (Math.Log10(value) - low) / (high - low) * plotHeight);

        svg.AppendLine(Invariant($"<text x=\"{x0 + Left}\" y=\"{Top - 12}\" font-weight=\"bold\">{Escape(title)}</text>"));
        for (var decade = low; decade <= high; decade++)
        {
            var y = Y(Math.Pow(10, decade));
            svg.AppendLine(Invariant($"<line x1=\"{x0 + Left}\" y1=\"{y:F1}\" x2=\"{x0 + panelWidth}\" y2=\"{y:F1}\" stroke=\"#ddd\"/>"));
            svg.AppendLine(Invariant($"<text x=\"{x0 + Left - 6}\" y=\"{y + 4:F1}\" text-anchor=\"end\">{Math.Pow(10, decade):G4}</text>"));
        }
        svg.AppendLine(Invariant($"<line x1=\"{x0 + Left}\" y1=\"{Top}\" x2=\"{x0 + Left}\" y2=\"{Top + plotHeight}\" stroke=\"#333\"/>"));
        for (var i = 0; i < bars.Count; i++)
        {
            var (mode, form, value) = bars[i];
            var x = x0 + Left + 20 + i * (BarWidth + BarGap);
            var y = Y(value);
            svg.AppendLine(Invariant($"<rect x=\"{x}\" y=\"{y:F1}\" width=\"{BarWidth}\" height=\"{Top + plotHeight - y:F1}\" fill=\"{Colours[i % Colours.Length]}\"/>"));
            svg.AppendLine(Invariant($"<text x=\"{x + BarWidth / 2}\" y=\"{y - 5:F1}\" text-anchor=\"middle\">{value:G4}{unit}</text>"));
            svg.AppendLine(Invariant($"<text x=\"{x + BarWidth / 2}\" y=\"{Top + plotHeight + 16}\" text-anchor=\"middle\">{Escape(mode)}</text>"));
            svg.AppendLine(Invariant($"<text x=\"{x + BarWidth / 2}\" y=\"{Top + plotHeight + 30}\" text-anchor=\"middle\">{Escape(form)}</text>"));
        }
    }

    /// <summary>A bar's second line: its form, and its telemetry and round where the run chose them.</summary>
    static string Label(ModeResult m) => m.Form + (m.Telemetry is null ? "" : $", tel. {m.Telemetry}") + (m.Round is null ? "" : $" #{m.Round}");

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
