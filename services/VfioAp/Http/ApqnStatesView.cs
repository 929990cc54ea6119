using System.Text.Json;
using Apmatrix.ApModel;
using Apmatrix.VfioAp.Persistence;

namespace Apmatrix.VfioAp.Http;

/// <summary>
/// <c>GET /hosts/{host}/apqns</c>: every APQN's <see cref="ApqnState"/>, one byte each at adapter x 256 + domain, base64
/// (65,536 bytes, about 87 KB of text), with the state names by byte value and the mdevs that own the assigned ones.
/// </summary>
public sealed record ApqnStatesView(string Host, long LastSequence, IReadOnlyList<string> States, string Cells, IReadOnlyList<ApqnOwnerView> Mdevs)
{
    public static readonly IReadOnlyList<string> StateNames =
        Enum.GetValues<ApqnState>().Select(s => JsonNamingPolicy.KebabCaseLower.ConvertName(s.ToString())).ToList();

    public static ApqnStatesView From(HostRow host, IReadOnlyList<MdevRow> mdevs)
    {
        var cells = new byte[Bitmap256.Capacity * Bitmap256.Capacity];
        var bound = host.ReadBoundQueues();
        var permissions = host.Permissions;
        foreach (var a in host.Apm)
        {
            var reserved = permissions.ReservedDomains(a);
            foreach (var d in host.Aqm)
                cells[a * Bitmap256.Capacity + d] = (byte)(reserved[d] ? ApqnState.DefaultDriver : bound[a][d] ? ApqnState.Free : ApqnState.NoDevice);
        }
        // An mdev's assignment is named even where no queue is (yet): that is where its guest's update will land.
        foreach (var mdev in mdevs)
        {
            Fill(cells, mdev.AssignedApm, mdev.AssignedAqm, ApqnState.Assigned);
            if (mdev.Guest is not null) Fill(cells, mdev.ShadowApm, mdev.ShadowAqm, ApqnState.InGuestApcb);
        }
        return new ApqnStatesView(host.HostId, host.LastSequence, StateNames, Convert.ToBase64String(cells),
            mdevs.Select(m => new ApqnOwnerView(m.Name, m.Guest, m.AssignedApm.ToMsb0Hex(), m.AssignedAqm.ToMsb0Hex(),
                m.ShadowApm.ToMsb0Hex(), m.ShadowAqm.ToMsb0Hex())).ToList());
    }

    static void Fill(byte[] cells, Bitmap256 adapters, Bitmap256 domains, ApqnState state)
    {
        foreach (var a in adapters)
        foreach (var d in domains)
            cells[a * Bitmap256.Capacity + d] = (byte)state;
    }
}
