namespace Apmatrix.Apctl.Cli;

/// <summary>Rows under headers, each column as wide as its widest cell, as <c>lszcrypt</c> and <c>mdevctl list</c> print.</summary>
public static class Table
{
    public static void Write(TextWriter output, string[] headers, IEnumerable<string?[]> rows)
    {
        var cells = rows.Select(r => r.Select(c => c ?? "-").ToArray()).ToList();
        var widths = headers.Select((h, i) => cells.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        output.WriteLine(Line(headers, widths));
        foreach (var row in cells) output.WriteLine(Line(row, widths));
    }

    static string Line(string[] cells, int[] widths) => string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
}
