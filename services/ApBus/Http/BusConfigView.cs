using Apmatrix.ApModel;

namespace Apmatrix.ApBus.Http;

/// <summary>A bus's AP configuration, each id set as a range list and as sysfs hex.</summary>
public sealed record BusConfigView(string Apm, string Aqm, string Adm, string ApmHex, string AqmHex, string AdmHex, int MaxAdapter, int MaxDomain)
{
    public static BusConfigView From(ApConfig config) => new(config.Apm.ToRangeList(), config.Aqm.ToRangeList(), config.Adm.ToRangeList(),
        config.Apm.ToMsb0Hex(), config.Aqm.ToMsb0Hex(), config.Adm.ToMsb0Hex(), config.MaxAdapter, config.MaxDomain);
}
