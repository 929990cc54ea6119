using System.CommandLine;
using System.Text.Json.Nodes;
using Apmatrix.Apctl.Cli;

namespace Apmatrix.Apctl.Commands;

/// <summary><c>apctl guest</c>: the guests GuestVm simulates, their APCBs and the updates they applied.</summary>
public static class GuestCommands
{
    static readonly Argument<string> Guest = new Argument<string>("guest") { Description = "the guest's name" }.Named("guest");

    public static Command Build(Io io)
    {
        var command = new Command("guest", "guests, their APCBs and update history");
        var history = new Option<string?>("--history") { Description = "how many of the newest updates to show (a number or all)" };
        var list = new Command("list", "a host's guests: APCB, version, updates and vCPU-suspended time") { HostCommands.Host };
        command.Subcommands.Add(list.Does(io, async (parse, session, ct) =>
        {
            var host = parse.GetValue(HostCommands.Host)!;
            var guests = (await session.GuestVm.CallAsync(ApiRoutes.ListGuests, [host], ct))!.AsArray();
            // GuestVm knows guests, not hosts: no guest may mean a misspelt host, which every other verb calls not-found.
            if (guests.Count == 0) await RequireHostAsync(session, host, "", ct);
            session.Write(guests, output => Table.Write(output, ["GUEST", "MDEV", "VERSION", "UPDATES", "SUSPENDED-MS", "APM", "AQM", "ADM"],
                guests.Select(g => new[]
                {
                    HostCommands.Text(g!["guest"]), HostCommands.Text(g["mdev"]), HostCommands.Text(g["version"]), HostCommands.Text(g["updates"]),
                    HostCommands.Text(g["suspendedMilliseconds"]), HostCommands.Text(g["apm"]), HostCommands.Text(g["aqm"]), HostCommands.Text(g["adm"]),
                })));
        }));
        var vcpus = new Option<int?>("--vcpus") { Description = "its vCPUs, 1 to 248 (absent: a new guest gets GuestVm's default, a defined one keeps its own)" }.Within(1, 248);
        var format = new Option<string?>("--format") { Description = "its CRYCB format: Apcb0 (64 adapters, 16 domains) or Apcb1 (256 x 256; absent: Apcb1 for a new guest, a defined one keeps its own)" };
        var define = new Command("define", "defines a guest (or changes its vCPUs and format): an mdev can then be attached to it") { HostCommands.Host, Guest, vcpus, format };
        command.Subcommands.Add(define.Does(io, async (parse, session, ct) =>
        {
            var host = parse.GetValue(HostCommands.Host)!;
            // GuestVm takes a guest on any host; a misspelt one would leave a guest no mdev can reach and no verb removes.
            await RequireHostAsync(session, host, ": define it first (apctl host define)", ct);
            var guest = await session.GuestVm.CallAsync(ApiRoutes.DefineGuest, [host, parse.GetValue(Guest)!], ct,
                new { vcpus = parse.GetValue(vcpus), format = parse.GetValue(format) });
            session.Write(guest, output => output.WriteLine($"guest {HostCommands.Text(guest!["guest"])} defined: {HostCommands.Text(guest["vcpus"])} vCPUs, {HostCommands.Text(guest["format"])}"));
        }));
        var show = new Command("show", "one guest: its APCB and its newest updates") { HostCommands.Host, Guest, history };
        command.Subcommands.Add(show.Does(io, async (parse, session, ct) =>
        {
            var query = parse.GetValue(history) is { } limit ? $"?history={Uri.EscapeDataString(limit)}" : "";
            var guest = await session.GuestVm.CallAsync(ApiRoutes.GetGuest, [parse.GetValue(HostCommands.Host)!, parse.GetValue(Guest)!], ct, query: query);
            session.Write(guest, output =>
            {
                output.WriteLine($"guest {HostCommands.Text(guest!["guest"])} on host {HostCommands.Text(guest["host"])}: {HostCommands.Text(guest["vcpus"])} vCPUs, mdev {HostCommands.Text(guest["mdev"])}");
                output.WriteLine($"  APCB      apm {HostCommands.Text(guest["apm"])}  aqm {HostCommands.Text(guest["aqm"])}  adm {HostCommands.Text(guest["adm"])}");
                output.WriteLine($"  updates   {HostCommands.Text(guest["updates"])} applied, version {HostCommands.Text(guest["version"])}, vCPUs suspended {HostCommands.Text(guest["suspendedMilliseconds"])} ms in all");
                Table.Write(output, ["VERSION", "APPLIED", "SUSPENDED-MS", "MDEV", "APM", "AQM", "ADM"], guest["history"]!.AsArray().Select(h => new[]
                {
                    HostCommands.Text(h!["version"]), HostCommands.Text(h["appliedAt"]), HostCommands.Text(h["suspendedMilliseconds"]), HostCommands.Text(h["mdev"]),
                    HostCommands.Text(h["apm"]), HostCommands.Text(h["aqm"]), HostCommands.Text(h["adm"]),
                }));
            });
        }));
        return command;
    }

    /// <summary>Refuses, as not-found, a host VfioAp does not know; <paramref name="advice"/> follows the reason.</summary>
    static async Task RequireHostAsync(Session session, string host, string advice, CancellationToken ct)
    {
        if (await HostCommands.NullIfNotFoundAsync(session.VfioAp.CallAsync(ApiRoutes.GetHost, [host], ct)) is null)
            throw new ApctlException(ExitCodes.Refused, $"not-found: no host {host}{advice}",
                new JsonObject { ["kind"] = "not-found", ["detail"] = $"no host {host}" });
    }
}
