namespace Apmatrix.ApModel;

/// <summary>Which driver a queue device is bound to: vfio_ap, or the host's default (zcrypt) driver.</summary>
public enum QueueDriver { VfioAp, Default }

/// <summary>Why the bus took a queue device away from its driver.</summary>
public enum QueueRemovalReason { ConfigRemoved, CardRebuilt, TapqFailed, Unbind, MaskChange }

/// <summary>What a driver hears from the AP bus, in the order the bus says it.</summary>
public interface IApBusListener
{
    void ConfigChanged(in ApConfig current, in ApConfig previous);
    void QueueProbed(Apqn apqn, QueueDriver driver);
    void QueueRemoved(Apqn apqn, QueueDriver driver, QueueRemovalReason reason);
    void ScanComplete(in ApConfig current, in ApConfig previous);
    void PermissionsChanged(in ApPermissions permissions);
}
