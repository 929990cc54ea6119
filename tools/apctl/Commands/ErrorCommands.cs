using System.CommandLine;
using System.Text.Json.Nodes;
using Apmatrix.Apctl.Cli;

namespace Apmatrix.Apctl.Commands;

/// <summary>
/// <c>apctl errors</c>: the dead-letter queues of the services that consume (VfioAp, GuestVm), the messages in them with
/// the reason MassTransit recorded, and their re-drive to the queue each came from (how a host stalled by a failed event moves again).
/// </summary>
public static class ErrorCommands
{
    static readonly Argument<string> Queue = new("queue") { Description = "a dead-letter queue, as errors list names it" };

    // The most one POST /dead-letters/{queue}/redrive moves (its count's maximum); apctl pages a larger --count.
    const int RedrivenPerCall = 10_000;

    public static Command Build(Io io)
    {
        var command = new Command("errors", "dead-lettered messages: list, show, and re-drive them");
        var all = new Option<bool>("--all") { Description = "list the empty queues too (JSON always lists every queue)" };
        var list = new Command("list", "the dead-letter queues of VfioAp and GuestVm that hold messages, and how many") { all };
        command.Subcommands.Add(list.Does(io, async (parse, session, ct) =>
        {
            // Both asked at once: one that waits out its broker's or database's outage does not hold up the other's answer.
            var answers = await Task.WhenAll(Services(session).Select(async s => (s.Service, Listed: await ListedAsync(s.Client, ct))));
            var queues = new JsonArray();
            foreach (var (service, (listed, _)) in answers)
                foreach (var queue in listed?.AsArray() ?? [])
                    queues.Add(new JsonObject { ["service"] = service, ["queue"] = queue!["queue"]!.DeepClone(), ["messages"] = queue["messages"]!.DeepClone() });
            var aways = answers.Select(a => a.Listed.Away).OfType<ApctlException>().ToList();
            // One service away still leaves the other's dead letters worth seeing (in text; JSON stays one document).
            var away = aways.Count < 2 ? aways.FirstOrDefault()
                : new ApctlException(ExitCodes.Unavailable, string.Join("; ", aways.Select(a => a.Message)), aways[0].Problem);
            if (away is not null && (session.Json || queues.Count == 0)) throw away;
            var shown = queues.Where(q => parse.GetValue(all) || q!["messages"]!.GetValue<long>() > 0).ToList();
            session.Write(queues, output =>
            {
                if (shown.Count == 0)
                {
                    output.WriteLine($"no dead-lettered messages in {queues.Count} queue(s)");
                    return;
                }
                Table.Write(output, ["SERVICE", "QUEUE", "MESSAGES"],
                    shown.Select(q => new[] { HostCommands.Text(q!["service"]), HostCommands.Text(q["queue"]), HostCommands.Text(q["messages"]) }));
            });
            if (away is not null) throw away;
        }));

        var shown = new Option<int>("--count") { Description = "how many of the oldest messages (1 to 100)", DefaultValueFactory = _ => 20 }.Within(1, 100);
        var show = new Command("show", "the oldest messages of a dead-letter queue with their host and reason, left where they are") { Queue, shown };
        command.Subcommands.Add(show.Does(io, async (parse, session, ct) =>
        {
            var (_, client, _) = await OwnerAsync(session, parse.GetValue(Queue)!, ct);
            var peek = await client.CallAsync(ApiRoutes.PeekDeadLetters, [parse.GetValue(Queue)!], ct, query: $"?count={parse.GetValue(shown)}");
            session.Write(peek, output =>
            {
                output.WriteLine($"{HostCommands.Text(peek!["queue"])}: {HostCommands.Text(peek["messages"])} message(s)");
                foreach (var message in peek["oldest"]!.AsArray())
                {
                    output.WriteLine($"  {HostCommands.Text(message!["messageId"])}  host {HostCommands.Text(message["hostId"])}  from {HostCommands.Text(message["queue"])}  {HostCommands.Text(message["faultTimestamp"])}");
                    output.WriteLine($"    {HostCommands.Text(message["reason"])}: {HostCommands.Text(message["exceptionType"])}: {HostCommands.Text(message["faultMessage"])}");
                }
            });
        }));

        var moved = new Option<int?>("--count") { Description = "how many of the oldest to send back (absent: all those there now)" }.Within(1);
        var redrive = new Command("redrive", "sends dead-lettered messages back to the queue each came from, oldest first") { Queue, moved };
        command.Subcommands.Add(redrive.Does(io, async (parse, session, ct) =>
        {
            var (service, client, messages) = await OwnerAsync(session, parse.GetValue(Queue)!, ct);
            // Without --count, those there now: a message that faults again comes back behind them and is not sent round again.
            var (total, remaining, limit) = (0, messages, parse.GetValue(moved) ?? (int)Math.Min(messages, int.MaxValue));
            // The service moves at most RedrivenPerCall a call.
            while (total < limit)
            {
                var result = await client.CallAsync(ApiRoutes.RedriveDeadLetters, [parse.GetValue(Queue)!], ct, new { count = Math.Min(limit - total, RedrivenPerCall) });
                var now = result!["moved"]!.GetValue<int>();
                total += now;
                remaining = result["remaining"]!.GetValue<long>();
                if (now == 0) break;
            }
            session.Write(new JsonObject { ["service"] = service, ["queue"] = parse.GetValue(Queue), ["moved"] = total, ["remaining"] = remaining },
                output => output.WriteLine($"{parse.GetValue(Queue)}: {total} message(s) sent back, {remaining} left"));
        }));
        return command;
    }

    static (string Service, ServiceClient Client)[] Services(Session session) => [("VfioAp", session.VfioAp), ("GuestVm", session.GuestVm)];

    /// <summary>A service's dead-letter queues, or why it could not say.</summary>
    static async Task<(JsonNode? Listed, ApctlException? Away)> ListedAsync(ServiceClient client, CancellationToken ct)
    {
        try
        {
            return (await client.CallAsync(ApiRoutes.ListDeadLetters, [], ct), null);
        }
        catch (ApctlException e) when (e.ExitCode == ExitCodes.Unavailable)
        {
            return (null, e);
        }
    }

    /// <summary>
    /// The service whose dead-letter queue <paramref name="queue"/> is, asked rather than guessed from the name, which carries a
    /// deployment's prefix, and how many messages it holds now.
    /// </summary>
    static async Task<(string Service, ServiceClient Client, long Messages)> OwnerAsync(Session session, string queue, CancellationToken ct)
    {
        foreach (var (service, client) in Services(session))
            if ((await client.CallAsync(ApiRoutes.ListDeadLetters, [], ct))!.AsArray().FirstOrDefault(q => q!["queue"]!.GetValue<string>() == queue) is { } found)
                return (service, client, found["messages"]!.GetValue<long>());
        throw new ApctlException(ExitCodes.Refused, $"no service has a dead-letter queue {queue}: apctl errors list names them",
            new JsonObject { ["kind"] = "not-found" });
    }
}
