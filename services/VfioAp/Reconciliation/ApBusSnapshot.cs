using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Reconciliation;

/// <summary>
/// ApBus's <c>GET /hosts/{host}/snapshot</c> as read here: id sets as range lists, queue devices per adapter by driver,
/// and while a window is open the configuration it changed from and the sequence of its config changed.
/// </summary>
public sealed record ApBusSnapshot(string Host, ApBusConfig Config, ApBusMasks Masks, IReadOnlyList<ApBusAdapterQueues> Queues,
    bool ScanOpen, ApBusConfig? PreviousConfig, long? WindowSequence, long LastSequence, string Digest)
{
    /// <summary>
    /// The bus as the engine reads it, for an engine that applied the host's events up to <paramref name="applied"/>.
    /// Throws <see cref="FormatException"/> for a snapshot that does not read as a bus.
    /// </summary>
    public BusTruth ToTruth(long applied)
    {
        var config = Read(Config);
        var devices = new Bitmap256[Bitmap256.Capacity];
        foreach (var row in Queues)
        {
            if (row.Adapter is < 0 or >= Bitmap256.Capacity) throw new FormatException($"adapter {row.Adapter} is out of range");
            devices[row.Adapter] = Bitmap256.ParseRangeList(row.VfioAp) | Bitmap256.ParseRangeList(row.Default);
        }
        if (ScanOpen && PreviousConfig is null)
            throw new FormatException("it has a config-changed window open but not the configuration the window changed from " +
                                      "(previousConfig): an ApBus older than this VfioAp sent it; upgrade ApBus first");
        return new BusTruth(config, new ApPermissions(Bitmap256.ParseRangeList(Masks.Apmask), Bitmap256.ParseRangeList(Masks.Aqmask)),
            devices, ScanOpen, PreviousConfig is null ? config : Read(PreviousConfig), WindowSequence is { } opened ? applied >= opened : null);
    }

    static ApConfig Read(ApBusConfig config) =>
        new(Bitmap256.ParseRangeList(config.Apm), Bitmap256.ParseRangeList(config.Aqm), Bitmap256.ParseRangeList(config.Adm), config.MaxAdapter, config.MaxDomain);
}
