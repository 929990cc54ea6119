namespace Apmatrix.VfioAp.Persistence;

/// <summary>Which bus event a parked row holds; stored as <c>smallint</c>, so the values never change.</summary>
public enum BusEventKind : short { ConfigChanged = 1, QueueProbed = 2, QueueRemoved = 3, ScanComplete = 4, BusMasksChanged = 5,
    QueuesProbed = 6, QueuesRemoved = 7 }
