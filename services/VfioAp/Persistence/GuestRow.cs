using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>A guest as vfio_ap knows it: the APCB last sent to it and that update's version.</summary>
public sealed class GuestRow : IStateRow<GuestRow, GuestState>
{
    public required string HostId { get; init; }
    public required string Name { get; init; }
    public Bitmap256 Apm { get; set; }
    public Bitmap256 Aqm { get; set; }
    public Bitmap256 Adm { get; set; }
    public long Version { get; set; }

    public ApMatrix Apcb => new(Apm, Aqm, Adm);

    public GuestRow Copy() => (GuestRow)MemberwiseClone();

    public GuestState ToState() => new(Name, Apcb, Version);

    public void Store(GuestState state) => (Apm, Aqm, Adm, Version) = (state.Apcb.Apm, state.Apcb.Aqm, state.Apcb.Adm, state.Version);
}
