using System.CommandLine;
using System.Text.Json.Nodes;
using Apmatrix.ApModel;
using Apmatrix.Apctl.Cli;

namespace Apmatrix.Apctl.Commands;

/// <summary><c>apctl ap list</c>: a host's AP queue devices as <c>lszcrypt -V</c> shows them, with what vfio_ap made of each.</summary>
public static class ApCommands
{
    public static Command Build(Io io)
    {
        var command = new Command("ap", "a host's AP queues");
        var list = new Command("list", "every queue device: its APQN, the driver holding it (per apmask/aqmask), its mdev and guest, and its status")
        {
            HostCommands.Host,
        };
        command.Subcommands.Add(list.Does(io, async (parse, session, ct) =>
        {
            var host = parse.GetValue(HostCommands.Host)!;
            var snapshot = await session.ApBus.CallAsync(ApiRoutes.GetBusSnapshot, [host], ct);
            var mdevs = (await session.VfioAp.CallAsync(ApiRoutes.ListMdevs, [host], ct))!.AsArray().Select(m => m!).ToList();
            var queues = new JsonArray();
            foreach (var adapter in snapshot!["queues"]!.AsArray())
            {
                var id = adapter!["adapter"]!.GetValue<int>();
                foreach (var (driver, domains) in new[] { ("vfio_ap", adapter["vfioAp"]), ("default", adapter["default"]) })
                    foreach (var domain in Ids(domains))
                        queues.Add(Queue(new Apqn(id, domain), driver, mdevs));
            }
            session.Write(queues, output => Table.Write(output, ["APQN", "DRIVER", "MDEV", "GUEST", "STATUS"],
                queues.Select(q => new[] { HostCommands.Text(q!["apqn"]), HostCommands.Text(q["driver"]), HostCommands.Text(q["mdev"]),
                    HostCommands.Text(q["guest"]), HostCommands.Text(q["status"]) })));
        }));
        return command;
    }

    /// <summary>
    /// A queue of the default drivers is the host's. One of vfio_ap's is <c>in use</c> when its mdev's guest holds it in
    /// its APCB, <c>assigned</c> when an mdev's matrix names it but no guest holds it, <c>unassigned</c> otherwise.
    /// </summary>
    static JsonObject Queue(Apqn apqn, string driver, List<JsonNode> mdevs)
    {
        var owner = driver == "vfio_ap" ? mdevs.FirstOrDefault(m => Holds(m["assigned"]!, apqn)) : null;
        var inUse = owner?["guest"] is not null && Holds(owner["shadow"]!, apqn);
        return new JsonObject
        {
            ["apqn"] = apqn.ToString(), ["driver"] = driver, ["mdev"] = owner?["name"]?.DeepClone(),
            ["guest"] = inUse ? owner!["guest"]!.DeepClone() : null,
            ["status"] = driver != "vfio_ap" ? null : inUse ? "in use" : owner is not null ? "assigned" : "unassigned",
        };
    }

    static bool Holds(JsonNode matrix, Apqn apqn) =>
        Ids(matrix["apm"])[apqn.Adapter] && Ids(matrix["aqm"])[apqn.Domain];

    public static Bitmap256 Ids(JsonNode? rangeList) =>
        Bitmap256.TryParseRangeList(rangeList?.GetValue<string>() ?? "", out var ids, out var error)
            ? ids
            : throw new ApctlException(ExitCodes.Unavailable, $"a service sent {rangeList?.ToJsonString()}, not a range list: {error}");
}
