using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Apmatrix.Apctl.Cli;

/// <summary>
/// How far a host's change has got: bus events vfio_ap has applied of those the change sent, and, once all are, guests
/// whose last APCB update is acknowledged. Shown as a bar redrawn in place on a terminal, as plain lines (one per change) otherwise.
/// </summary>
public sealed record ScanProgress(long Applied, long Total, int Acknowledged, int Guests)
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    bool Through => Applied >= Total && Acknowledged == Guests;

    public static async Task<ScanProgress> WaitAsync(Session session, string host, long appliedBefore, long last, TimeSpan timeout, bool redraw,
        CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        ScanProgress? shown = null;
        var away = false;
        while (true)
        {
            long applied;
            JsonArray guests;
            try
            {
                applied = (await session.VfioAp.CallAsync(ApiRoutes.GetHost, [host], ct))!["lastSequence"]!.GetValue<long>();
                guests = (await session.VfioAp.CallAsync(ApiRoutes.GetHostGuests, [host], ct))!.AsArray();
                away = false;
            }
            catch (ApctlException e) when (e.ExitCode == ExitCodes.Unavailable && clock.Elapsed < timeout)
            {
                // VfioAp away for a while (its database, a restart) delays the change, which is made: wait on, up to the timeout.
                if (!away) await session.Error.WriteLineAsync($"apctl: {e.Message}; still waiting");
                away = true;
                await Task.Delay(Poll, ct);
                continue;
            }
            // Until every event is applied, a guest's update for this change may not be sent yet: what it acknowledged is older.
            var acknowledged = applied < last ? 0 : guests.Count(g => g!["acknowledgedVersion"]!.GetValue<long>() >= g["version"]!.GetValue<long>());
            var progress = new ScanProgress(Math.Max(0, applied - appliedBefore), Math.Max(0, last - appliedBefore), acknowledged, guests.Count);
            if (progress != shown && !session.Json) progress.Show(session.Error, redraw, clock.Elapsed);
            shown = progress;
            if (progress.Through)
            {
                if (redraw) await session.Error.WriteLineAsync();
                return progress;
            }
            if (clock.Elapsed > timeout)
            {
                if (redraw) await session.Error.WriteLineAsync();
                throw new ApctlException(ExitCodes.Unavailable,
                    $"not through after {timeout.TotalSeconds:0} s: {progress.Applied} of {progress.Total} bus events applied, {acknowledged} of {guests.Count} guests acknowledged");
            }
            await Task.Delay(Poll, ct);
        }
    }

    void Show(TextWriter output, bool redraw, TimeSpan elapsed)
    {
        var line = $"bus events applied {Applied}/{Total}, guests acknowledged {Acknowledged}/{Guests} ({elapsed.TotalSeconds:0.0} s)";
        if (!redraw)
        {
            output.WriteLine(line);
            return;
        }
        const int width = 30;
        var done = Total == 0 ? width : (int)(width * Math.Min(1.0, (double)Applied / Total));
        output.Write($"\r[{new string('#', done)}{new string('.', width - done)}] {line}");
    }

    public JsonObject ToJson(string host, long last) => new()
    {
        ["host"] = host, ["lastSequence"] = last, ["eventsApplied"] = Applied, ["events"] = Total,
        ["guestsAcknowledged"] = Acknowledged, ["guests"] = Guests,
    };
}
