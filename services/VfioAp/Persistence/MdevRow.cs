using Apmatrix.ApModel;
using Apmatrix.Engine;

namespace Apmatrix.VfioAp.Persistence;

/// <summary>An mdev: its assigned matrix A, shadow APCB S, pending additions and guest.</summary>
public sealed class MdevRow : IStateRow<MdevRow, MdevState>
{
    public required string HostId { get; init; }
    public required string Name { get; init; }

    /// <summary>Creation order, which the engine keeps across a reload.</summary>
    public int Position { get; init; }

    public int MaxAdapter { get; set; }
    public int MaxDomain { get; set; }
    public Bitmap256 AssignedApm { get; set; }
    public Bitmap256 AssignedAqm { get; set; }
    public Bitmap256 AssignedAdm { get; set; }
    public Bitmap256 ShadowApm { get; set; }
    public Bitmap256 ShadowAqm { get; set; }
    public Bitmap256 ShadowAdm { get; set; }
    public Bitmap256 AddedApm { get; set; }
    public Bitmap256 AddedAqm { get; set; }
    public Bitmap256 AddedAdm { get; set; }
    public string? Guest { get; set; }

    public ApMatrix Assigned => new(AssignedApm, AssignedAqm, AssignedAdm);
    public ApMatrix Shadow => new(ShadowApm, ShadowAqm, ShadowAdm);
    public ApMatrix Added => new(AddedApm, AddedAqm, AddedAdm);

    public MdevRow Copy() => (MdevRow)MemberwiseClone();

    public MdevState ToState() => new(Name, MaxAdapter, MaxDomain, Assigned, Shadow, Added, Guest);

    public void Store(MdevState state)
    {
        (MaxAdapter, MaxDomain, Guest) = (state.MaxAdapter, state.MaxDomain, state.Guest);
        (AssignedApm, AssignedAqm, AssignedAdm) = (state.Assigned.Apm, state.Assigned.Aqm, state.Assigned.Adm);
        (ShadowApm, ShadowAqm, ShadowAdm) = (state.Shadow.Apm, state.Shadow.Aqm, state.Shadow.Adm);
        (AddedApm, AddedAqm, AddedAdm) = (state.Added.Apm, state.Added.Aqm, state.Added.Adm);
    }
}
