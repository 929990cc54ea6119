using Apmatrix.ApModel;

namespace Apmatrix.ApBus.Http;

/// <summary>The bus's apmask/aqmask (the queues kept for the host's default drivers), as range lists and as sysfs hex.</summary>
public sealed record BusMasksView(string Apmask, string Aqmask, string ApmaskHex, string AqmaskHex)
{
    public static BusMasksView From(ApPermissions masks) =>
        new(masks.Apmask.ToRangeList(), masks.Aqmask.ToRangeList(), masks.Apmask.ToMsb0Hex(), masks.Aqmask.ToMsb0Hex());
}
