namespace Apmatrix.GuestVm.Core;

/// <summary>A virtual CPU: running in SIE, or blocked outside it while its guest's CRYCB changes.</summary>
public sealed class Vcpu
{
    public bool InSie { get; private set; } = true;
    public bool Blocked { get; private set; }
    public bool ShadowCrycbStale { get; private set; }

    /// <summary>Times the vCPU rebuilt its nested shadow CRYCB before re-entering SIE: one per APCB write.</summary>
    public int ShadowCrycbRebuilds { get; private set; }

    public void Block() => (Blocked, InSie) = (true, false);

    /// <summary>The synchronous request a vCPU handles before it re-enters SIE (VSIE restart); only a blocked vCPU can take it.</summary>
    public void RequestShadowCrycbRebuild()
    {
        if (!Blocked) throw new InvalidOperationException("a shadow CRYCB rebuild is requested of blocked vCPUs only");
        ShadowCrycbStale = true;
    }

    public void Unblock()
    {
        if (!Blocked) throw new InvalidOperationException("vCPU was not blocked");
        if (ShadowCrycbStale) ShadowCrycbRebuilds++;
        ShadowCrycbStale = false;
        (Blocked, InSie) = (false, true);
    }
}
