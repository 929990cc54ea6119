using Apmatrix.ApModel;

namespace Apmatrix.Engine;

/// <summary>A mediated device: the administrator's matrix, the shadow APCB its guest has (or will get), and pending additions.</summary>
public sealed class Mdev
{
    internal Mdev(string name, int slot, int maxAdapter, int maxDomain)
    {
        Name = name;
        Slot = slot;
        MaxAdapter = maxAdapter;
        MaxDomain = maxDomain;
    }

    public string Name { get; }

    /// <summary>Index in the engine's APQN ownership table.</summary>
    internal int Slot { get; }

    /// <summary>Highest assignable adapter and domain ids: the host's, taken at creation and again if the host's change.</summary>
    public int MaxAdapter { get; internal set; }
    public int MaxDomain { get; internal set; }

    /// <summary>A: what the administrator assigned; only the administrator changes it.</summary>
    public ApMatrix Assigned { get; internal set; }

    /// <summary>S: what the guest has or will get at attach.</summary>
    public ApMatrix Shadow { get; internal set; }

    /// <summary>Ids a host config change added and this mdev has assigned; non-empty only inside a config-change window.</summary>
    public ApMatrix Added { get; internal set; }

    public string? Guest { get; internal set; }

    /// <summary>Probes for this mdev wait for scan complete while adapters or domains it holds are being added.</summary>
    internal bool DefersProbes => !Added.Apm.IsEmpty || !Added.Aqm.IsEmpty;
}
