namespace Apmatrix.Dashboard.Http;

/// <summary>
/// <c>GET /hosts/{host}/apqns</c>: VfioAp's APQN states, a byte each at adapter x 256 + domain (base64 <see cref="Cells"/>,
/// <see cref="States"/> names each value), the mdevs owning assigned APQNs, and ApBus's last sequence beside VfioAp's
/// (null when ApBus has no such host).
/// </summary>
public sealed record MatrixPictureView(string Host, long? BusSequence, long AppliedSequence, IReadOnlyList<string> States, string Cells,
    IReadOnlyList<MdevMasksView> Mdevs);
