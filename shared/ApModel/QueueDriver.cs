namespace Apmatrix.ApModel;

/// <summary>Which driver a queue device is bound to: vfio_ap, or the host's default (zcrypt) driver.</summary>
public enum QueueDriver { VfioAp, Default }
