namespace Apmatrix.VfioAp.Http;

/// <summary>What holds one APQN of a host, as vfio_ap sees it: one byte of <see cref="ApqnStatesView.Cells"/>.</summary>
public enum ApqnState : byte
{
    /// <summary>Not in the host's AP configuration, nor in any mdev's matrix.</summary>
    NotConfigured,

    /// <summary>In the configuration; apmask and aqmask reserve it for the host's default drivers.</summary>
    DefaultDriver,

    /// <summary>In the configuration and vfio_ap's by the masks, but no queue device is bound yet (its probe has not come).</summary>
    NoDevice,

    /// <summary>A queue device bound to vfio_ap, in no mdev's matrix.</summary>
    Free,

    /// <summary>In an mdev's matrix but not in its guest's APCB (no guest, no device yet, or its hot plug waits for scan complete).</summary>
    Assigned,

    /// <summary>In the shadow APCB of an mdev attached to a guest: the guest holds it.</summary>
    InGuestApcb,
}
