using Apmatrix.ApModel;

namespace Apmatrix.Engine;

/// <summary>A guest as vfio_ap knows it: the APCB last sent to it and that update's version.</summary>
public sealed class Guest(string name)
{
    public string Name { get; } = name;
    public ApMatrix Apcb { get; internal set; }
    public long Version { get; internal set; }
    public string? Mdev { get; internal set; }
}
