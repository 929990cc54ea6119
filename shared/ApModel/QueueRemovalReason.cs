namespace Apmatrix.ApModel;

/// <summary>Why the bus took a queue device away from its driver.</summary>
public enum QueueRemovalReason { ConfigRemoved, CardRebuilt, TapqFailed, Unbind, MaskChange }
