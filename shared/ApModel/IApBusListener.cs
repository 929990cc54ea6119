namespace Apmatrix.ApModel;

/// <summary>What a driver hears from the AP bus, in the order the bus says it.</summary>
public interface IApBusListener
{
    void ConfigChanged(in ApConfig current, in ApConfig previous);
    void QueueProbed(Apqn apqn, QueueDriver driver);
    void QueueRemoved(Apqn apqn, QueueDriver driver, QueueRemovalReason reason);
    void ScanComplete(in ApConfig current, in ApConfig previous);
    void PermissionsChanged(in ApPermissions permissions);
}
