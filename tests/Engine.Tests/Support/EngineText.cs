using System.Text;
using Apmatrix.ApModel;

namespace Apmatrix.Engine.Tests.Support;

public static class EngineText
{
    public static string Of(VfioApEngine engine) => Of(engine.Capture());

    public static string Of(EngineState state)
    {
        var text = new StringBuilder();
        text.AppendLine($"mode {state.Mode}");
        text.AppendLine($"host {Masks(new ApMatrix(state.Host.Apm, state.Host.Aqm, state.Host.Adm))} max {state.Host.MaxAdapter}/{state.Host.MaxDomain}");
        text.AppendLine($"masks apmask {state.Permissions.Apmask} aqmask {state.Permissions.Aqmask}");
        text.Append("bound");
        for (var a = 0; a < state.BoundQueues.Count; a++)
            if (!state.BoundQueues[a].IsEmpty) text.Append($" {a}:{state.BoundQueues[a]}");
        text.AppendLine();
        foreach (var m in state.Mdevs)
            text.AppendLine($"mdev {m.Name} max {m.MaxAdapter}/{m.MaxDomain} guest {m.Guest ?? "-"} " +
                            $"A[{Masks(m.Assigned)}] S[{Masks(m.Shadow)}] added[{Masks(m.Added)}]");
        foreach (var g in state.Guests.OrderBy(g => g.Name, StringComparer.Ordinal))
            text.AppendLine($"guest {g.Name} v{g.Version} apcb[{Masks(g.Apcb)}]");
        foreach (var r in state.MaskReservations)
            text.AppendLine($"reserved {r.Id} after {r.AfterSequence} apmask {r.Masks.Apmask} aqmask {r.Masks.Aqmask} at {r.ReservedAt:O}");
        return text.ToString();
    }

    public static string Masks(ApMatrix masks) => $"apm {masks.Apm} aqm {masks.Aqm} adm {masks.Adm}";
}
